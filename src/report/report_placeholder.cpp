// Replaced by the report engineer.
