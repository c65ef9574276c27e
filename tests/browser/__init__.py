"""The trace viewer in a real browser (Playwright and a Chromium already installed)."""
