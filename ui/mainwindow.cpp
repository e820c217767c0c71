// MainWindow: written next.
