"""Agents and scripts at the table: seats held by token (`service`), the
compact observation (`observation`), the schemas declared once (`schemas`),
the MCP tools (`tools`) and their transports (`http` for `/mcp`, `__main__`
for stdio). Sits beside the web layer: it imports rooms, nl and sim, never web."""
