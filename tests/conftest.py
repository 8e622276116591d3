import os

# Qt must run offscreen in tests; set before any QApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KETDIR_NO_USER_SETTINGS", "1")
