"""Helpers the test suite shares: driving the chat (chat), requests stored for a test
(requests), settings, sessions and process environments (services), workouts (workouts)."""
