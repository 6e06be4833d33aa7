"""The Discord adapter, the command line and the query log of newsdesk."""
