"""The Bibob dossier: pure procedure logic (deadlines, letters as documents), no database."""
