// The reports page: draws the chart above the table from the data the page embeds
// (#report-chart-data, json_script), and turns the period to "Custom dates" when a date
// is typed, so the dates typed are the ones asked for.
(function () {
  "use strict";

  var COLOURS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed"];

  function drawChart() {
    var canvas = document.getElementById("report-chart");
    var source = document.getElementById("report-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, index) {
          var colour = COLOURS[index % COLOURS.length];
          return { label: set.label, data: set.data, backgroundColor: colour, borderColor: colour };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true } },
      },
    });
  }

  function customDatesFollowTyping() {
    var range = document.getElementById("report-range");
    if (!range) {
      return;
    }
    ["report-from", "report-to"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) {
        input.addEventListener("change", function () {
          range.value = "custom";
        });
      }
    });
  }

  function start() {
    drawChart();
    customDatesFollowTyping();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
