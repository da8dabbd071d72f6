"""Users as the server knows them: training history, live feedback, vectors and profiles."""
