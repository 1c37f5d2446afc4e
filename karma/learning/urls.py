app_name = "learning"

# Each view module adds its own routes below; keep them grouped by module.
urlpatterns: list = [
    # The lesson player (views/player.py).
    # My Learning (views/my_learning.py).
    # Certificates and their public verification (views/certificates.py).
]
