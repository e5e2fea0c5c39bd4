"""The collector: SmsManager API client, poll scheduler, CLI and gateway simulator."""
