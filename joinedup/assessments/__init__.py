"""Assessment scales, assessments and the complexity RAG rating (F6)."""
