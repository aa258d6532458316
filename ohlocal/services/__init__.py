"""Domain logic, one service per resource. Services never import Litestar."""
