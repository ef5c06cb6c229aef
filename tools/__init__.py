"""manimgraph package."""
