// The dashboard: each <section data-kind> gets its chart from the widget API and draws it
// with Chart.js; adding, removing, moving a widget or changing its range saves the whole
// layout with PUT /api/v1/dashboards/me (session cookie plus the CSRF token header).
(function () {
  "use strict";

  var UNIT_SUFFIX = { hours: " h", people: "", violations: "", percent: " %" };
  var COLOURS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569"];
  var sequence = 0;

  function start() {
    var root = document.getElementById("dashboard");
    if (!root || typeof window.Chart === "undefined") {
      return;
    }
    var grid = root.querySelector(".dashboard__grid");
    var status = root.querySelector(".dashboard__status");
    var addForm = root.querySelector(".dashboard__add");
    var template = document.getElementById("dashboard-widget-template");
    var maxWidgets = parseInt(root.dataset.maxWidgets, 10);

    function widgets() {
      return Array.prototype.slice.call(grid.querySelectorAll("section.widget"));
    }

    // The page renders each message in its language (data-text-*); {name} marks a value.
    function text(name, values) {
      return root.dataset[name].replace(/\{(\w+)\}/g, function (whole, key) {
        return values && key in values ? String(values[key]) : whole;
      });
    }

    function say(message) {
      status.textContent = message;
    }

    function csrfToken() {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return match ? decodeURIComponent(match[1]) : root.dataset.csrfToken;
    }

    function widgetUrl(section) {
      var url = root.dataset.widgetUrl.replace("KIND", encodeURIComponent(section.dataset.kind));
      return url + "?range_days=" + encodeURIComponent(section.dataset.rangeDays);
    }

    function fillTable(section, data) {
      var holder = section.querySelector(".widget__table");
      var table = document.createElement("table");
      table.className = "team";
      var caption = table.createCaption();
      caption.textContent = text("textCaption", { title: data.title, from: data.date_from, to: data.date_to });
      var head = table.createTHead().insertRow();
      [""].concat(data.datasets.map(function (set) { return set.label; })).forEach(function (text) {
        var cell = document.createElement("th");
        cell.scope = "col";
        cell.textContent = text;
        head.appendChild(cell);
      });
      var body = table.createTBody();
      data.labels.forEach(function (label, index) {
        var row = body.insertRow();
        var name = document.createElement("th");
        name.scope = "row";
        name.textContent = label;
        row.appendChild(name);
        data.datasets.forEach(function (set) {
          var cell = row.insertCell();
          cell.className = "num";
          cell.textContent = set.data[index] + (UNIT_SUFFIX[data.unit] || "");
        });
      });
      holder.replaceChildren(table);
      section.querySelector(".widget__summary").textContent = data.summary;
      var fallback = section.querySelector(".widget__fallback");
      if (fallback) {
        fallback.textContent = data.title + ": " + data.summary;
      }
    }

    function draw(section, data) {
      var canvas = section.querySelector("canvas");
      var existing = window.Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      var round = data.chart === "doughnut";
      var datasets = data.datasets.map(function (set, index) {
        var colour = COLOURS[index % COLOURS.length];
        return {
          label: set.label,
          data: set.data,
          backgroundColor: round ? data.labels.map(function (_, i) { return COLOURS[i % COLOURS.length]; }) : colour,
          borderColor: round ? "#ffffff" : colour,
          fill: false,
          tension: 0.2,
        };
      });
      var options = {
        responsive: true,
        maintainAspectRatio: true,
        animation: false,
        plugins: { legend: { display: round || datasets.length > 1 } },
      };
      if (!round) {
        options.scales = {
          x: { stacked: data.stacked },
          y: { stacked: data.stacked, beginAtZero: true },
        };
      }
      canvas.setAttribute("aria-label", data.title + ": " + data.summary);
      new window.Chart(canvas, { type: data.chart, data: { labels: data.labels, datasets: datasets }, options: options });
    }

    function showAccount(section, data) {
      var line = section.querySelector(".widget__account");
      if (!line) {
        return;
      }
      line.hidden = !data.account;
      if (data.account) {
        line.querySelector(".widget__account-text").textContent = data.account.text;
      }
    }

    function load(section) {
      section.querySelector(".widget__summary").textContent = text("textLoading");
      return fetch(widgetUrl(section), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) {
              throw new Error(body.detail || text("textLoadFailed"));
            }
            return body;
          });
        })
        .then(function (data) {
          fillTable(section, data);
          draw(section, data);
          showAccount(section, data);
        })
        .catch(function (error) {
          section.querySelector(".widget__summary").textContent = error.message;
        });
    }

    function layout() {
      return widgets().map(function (section, position) {
        return { kind: section.dataset.kind, position: position, range_days: parseInt(section.dataset.rangeDays, 10) };
      });
    }

    function save() {
      say(text("textSaving"));
      return fetch(root.dataset.layoutUrl, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ widgets: layout() }),
      }).then(function (response) {
        if (!response.ok) {
          return response.json().then(function (body) {
            throw new Error(body.detail || text("textSaveFailed"));
          });
        }
        say(text("textSaved"));
        refreshControls();
      }).catch(function (error) {
        say(error.message);
      });
    }

    function refreshControls() {
      var all = widgets();
      all.forEach(function (section, index) {
        section.querySelector(".widget__up").disabled = index === 0;
        section.querySelector(".widget__down").disabled = index === all.length - 1;
        section.querySelector(".widget__remove").disabled = false;
        section.querySelector(".widget__range").disabled = false;
      });
      addForm.querySelector("button").disabled = all.length >= maxWidgets;
      var empty = grid.querySelector(".dashboard__empty");
      if (empty && all.length) {
        empty.remove();
      }
    }

    function wire(section) {
      var title = section.querySelector(".widget__title").textContent;
      sequence += 1;
      // The accessible name starts with the visible label ("Move up"), so speech users can
      // say what they see (WCAG 2.5.3 label in name; axe: label-content-name-mismatch).
      section.querySelector(".widget__up").setAttribute("aria-label", text("textMoveUp", { title: title }));
      section.querySelector(".widget__down").setAttribute("aria-label", text("textMoveDown", { title: title }));
      section.querySelector(".widget__remove").setAttribute("aria-label", text("textRemove", { title: title }));
      section.querySelector(".widget__up").addEventListener("click", function () {
        var previous = section.previousElementSibling;
        if (previous) {
          grid.insertBefore(section, previous);
          save();
        }
      });
      section.querySelector(".widget__down").addEventListener("click", function () {
        var next = section.nextElementSibling;
        if (next) {
          grid.insertBefore(next, section);
          save();
        }
      });
      section.querySelector(".widget__remove").addEventListener("click", function () {
        var chart = window.Chart.getChart(section.querySelector("canvas"));
        if (chart) {
          chart.destroy();
        }
        section.remove();
        save();
      });
      section.querySelector(".widget__range").addEventListener("change", function (event) {
        section.dataset.rangeDays = event.target.value;
        save();
        load(section);
      });
    }

    function addWidget(kind, label, rangeDays) {
      var section = template.content.firstElementChild.cloneNode(true);
      var id = "new-" + Date.now() + "-" + sequence;
      section.dataset.kind = kind;
      section.dataset.rangeDays = String(rangeDays);
      section.setAttribute("aria-labelledby", "widget-title-" + id);
      var heading = section.querySelector(".widget__title");
      heading.id = "widget-title-" + id;
      heading.textContent = label;
      var range = section.querySelector(".widget__range");
      range.id = "widget-range-" + id;
      range.value = String(rangeDays);
      var rangeLabel = section.querySelector("label[for]");
      rangeLabel.htmlFor = range.id;
      rangeLabel.textContent = text("textRange", { title: label });
      section.querySelector("canvas").setAttribute("aria-label", text("textChart", { title: label }));
      section.querySelector(".widget__data summary").textContent = text("textAsText", { title: label });
      grid.appendChild(section);
      wire(section);
      return section;
    }

    addForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (widgets().length >= maxWidgets) {
        say(text("textFull", { max: maxWidgets }));
        return;
      }
      var select = addForm.querySelector("select");
      var option = select.options[select.selectedIndex];
      var section = addWidget(option.value, option.textContent, option.dataset.rangeDays);
      save().then(function () {
        load(section);
      });
    });

    // One widget request at a time: the charts appear top to bottom and a dashboard of
    // twelve widgets never sends twelve report queries to the server at once.
    widgets().reduce(function (previous, section) {
      wire(section);
      return previous.then(function () {
        return load(section);
      });
    }, Promise.resolve());
    refreshControls();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
