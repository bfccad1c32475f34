"""Streamlit pages and presentation helpers of the app (thin: one library call per action)."""
