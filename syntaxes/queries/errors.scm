; Regions tree-sitter could not parse (reported per file as syntax errors).
(ERROR) @error
