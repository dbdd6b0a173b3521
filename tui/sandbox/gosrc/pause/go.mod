module podbay.local/sandbox/pause

go 1.24
