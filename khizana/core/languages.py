"""Language codes: ISO 639-1 (two letters, BCP 47 tags) and ISO 639-2/B (three letters, MARC). No Django."""

from __future__ import annotations

# ISO 639-1 two-letter code + ISO 639-2/B code, run together.
ISO639_1 = {
    pair[:2]: pair[2:]
    for pair in """
aaaar ababk afafr akaka amamh arara anarg asasm avava aeave ayaym azaze babak bmbam bebel bnben
bhbih bibis botib bsbos brbre bgbul cacat cscze chcha ceche cuchu cvchv kwcor cocos crcre cywel
dadan deger dvdiv dzdzo elgre eneng eoepo etest eubaq eeewe fofao faper fjfij fifin frfre fyfry
ffful gdgla gagle glglg gvglv gngrn guguj hthat hahau heheb hzher hihin hohmo hrhrv huhun hyarm
igibo ioido iiiii iuiku ieile iaina idind ikipk isice itita jvjav jajpn klkal knkan kskas kageo
krkau kkkaz kmkhm kikik rwkin kykir kvkom kgkon kokor kjkua kukur lolao lalat lvlav lilim lnlin
ltlit lbltz lulub lglug mhmah mlmal mrmar mkmac mgmlg mtmlt mnmon mimao msmay mybur nanau nvnav
nrnbl ndnde ngndo nenep nldut nnnno nbnob nonor nynya ococi ojoji orori omorm ososs papan pipli
plpol ptpor pspus quque rmroh rorum rnrun rurus sgsag sasan sisin skslo slslv sesme smsmo snsna
sdsnd sosom stsot esspa sqalb scsrd srsrp ssssw susun swswa svswe tytah tatam tttat tetel tgtgk
tltgl ththa titir toton tntsn tstso tktuk trtur twtwi uguig ukukr ururd uzuzb veven vivie vovol
wawln wowol xhxho yiyid yoyor zazha zhchi zuzul
""".split()  # noqa: SIM905
}

# ISO 639-2/B -> ISO 639-1 (``fre`` -> ``fr``).
TO_639_1 = {three: two for two, three in ISO639_1.items()}


def language_tag(code: str) -> str:
    """A BCP 47 tag for an ISO 639-2/B code (``fre`` -> ``fr``; codes without a 2-letter form kept)."""
    return TO_639_1.get(code, code)
