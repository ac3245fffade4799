"""Outputs: a Review and its analysis → outputs/: the figures (plotly), the graph
(networkx, GraphML, GEXF), the tables and report.html, rebuilt by one call.
"""
