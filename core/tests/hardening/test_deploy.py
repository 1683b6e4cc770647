"""Issue 12, stream "deploy": the image builds, the browser tests hold on any Chromium, the
data can be backed up and restored, and migrations are safe on real data."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BUILD_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "collectstatic-build-only-placeholder-not-used-at-runtime-00000000",
}


def run_manage(*args, env_overrides, timeout=300):
    """manage.py in a subprocess with only the given DJANGO_*/server settings (no test settings)."""
    server_names = ("DJANGO_", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "POSTGRES_", "REDIS_HOST", "STATIC_ROOT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(server_names)}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


# --- item 8: the production image builds -------------------------------------------------------


def test_item08_collectstatic_succeeds_under_production_settings(tmp_path):
    # The Dockerfile's build step: whitenoise's manifest storage rewrites every reference in
    # the vendored files and fails on one that points at a missing file (a source map).
    result = run_manage("collectstatic", "--noinput", env_overrides={**BUILD_ENV, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/chart.umd.min.js", "vendor/htmx.min.js", "css/app.css"):
        assert name in manifest, name
        assert (tmp_path / manifest[name]).is_file()
