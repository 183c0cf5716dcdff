"""Community forum: categories, questions and discussions, answers, votes, moderation,
reputation, and promotion of accepted answers into knowledge-base drafts."""
