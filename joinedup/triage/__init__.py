"""Triage: the first conversation after a referral. It finds (or creates) the person's one
record, records the first holistic assessment, identifies the needs, suggests services for
them, and ends in one outcome: hand the person to a key worker for a case, signpost them to a
partner service, or no further action with a reason."""
