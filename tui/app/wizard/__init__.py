"""The creation wizard: one form per kind (pod, service, ingress) over one frame."""
