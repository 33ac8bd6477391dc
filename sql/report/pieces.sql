-- pack: document pieces per sequence (cu_seqlens holds 0 and the end of every piece).
(SELECT split AS series, len(cu_seqlens) - 1 AS x FROM ${source})
