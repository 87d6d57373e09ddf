"""The activity export in La Coop de la médiation numérique's words, shared by the kiosk and the hub: its
vocabulary kept as data, the rules that turn a learner-session into a row, and the CSV and XLSX writers."""
