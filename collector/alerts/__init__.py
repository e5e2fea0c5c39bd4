"""Alert rules evaluated after each collector cycle, their state, and Apprise notifications."""
