package procid

func parseStatForTest(s string) (uint64, error) { return parseStat(s) }
