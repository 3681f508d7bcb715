"""Case management (F7, F10, F11): a case in a programme with one key worker, a personalised
plan of goals and actions across partners, the key worker's and partners' "my work", and
caseloads weighted by complexity."""
