"""`gankit serve`: a small web app to play with a trained model (needs gankit[web])."""
