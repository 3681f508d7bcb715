"""The partner service directory (F12), in the Open Referral UK shape."""
