from empathic.cli import app

app()
