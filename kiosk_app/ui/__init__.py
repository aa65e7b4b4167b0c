"""The kiosk's Kivy user interface: the App, one kv file per screen, and an offscreen driver.

Importing this package imports no Kivy; `kiosk_app.ui.app` and `kiosk_app.ui.driver` do.
"""
