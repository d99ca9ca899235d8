"""The catalogue of municipal measures (tiltak) of the synthetic municipality.

About 170 measures across the six welfare sectors, as the welfare project mapped
in Bærum (CALIBRATION.md: "About 170 municipal measures (tiltak) across the
welfare sectors were mapped by the project", status report 2). Unit costs are in
NOK. Where CALIBRATION.md gives a figure it is used and cited beside the entry;
the other costs are indicative round figures for a Norwegian municipality, to be
replaced by a user's own prices.
"""

from __future__ import annotations

import pandas as pd

from effekt.data.schema import SECTORS

__all__ = ["SECTORS", "TARGET_GROUPS", "build_measures"]


TARGET_GROUPS = (
    "risk_family_0_2",
    "cross_disciplinary",
    "mental_health_substance",
    "poverty",
    "general",
)
"""The target-group codes of ``measures.target_group``: the welfare project's four
critical groups (1. families with several risk factors, pregnancy to age 2;
2. children, young people and families who need cross-disciplinary help; 3. young
people and adults with complex mental-health and/or substance problems; 4. children
and families in poverty) and ``general``."""

_R02, _CD, _MH, _POV, _GEN = TARGET_GROUPS

# Names of the measures the generator uses for special purposes.
KINDERGARTEN_PLACE = "Ordinær barnehageplass"
SOCIAL_ASSISTANCE = "Økonomisk sosialhjelp"
INNSATSLEDER = "Tverrfaglig oppfølging ved innsatsleder"
HOLF_GUIDANCE = "Familieveiledning, koordinert (lavinntekt)"
SPECIAL = (KINDERGARTEN_PLACE, SOCIAL_ASSISTANCE, INNSATSLEDER, HOLF_GUIDANCE)

# (name, unit, unit_cost_nok, target_group) per sector.
_CATALOGUE: dict[str, list[tuple[str, str, float, str]]] = {
    "oppvekst_barnehage": [
        (KINDERGARTEN_PLACE, "month", 18_000, _GEN),
        ("Barnehageplass, utvidet tid", "month", 19_500, _GEN),
        ("Spesialpedagogisk hjelp (barnehageloven § 31)", "hour", 900, _CD),
        ("Tilrettelegging for barn med nedsatt funksjonsevne (§ 37)", "hour", 750, _CD),
        ("Styrket barnehagetilbud, ekstra bemanning", "hour", 650, _CD),
        ("Språkstimulering i barnehage", "hour", 600, _GEN),
        ("Redusert foreldrebetaling", "month", 1_500, _POV),
        ("Gratis kjernetid, 20 timer", "month", 3_300, _POV),
        ("Foreldreveiledning i barnehage (ICDP)", "hour", 800, _R02),
        ("Tidlig innsats 0–2 år", "hour", 850, _R02),
        ("Tegn-til-tale-opplæring", "hour", 700, _CD),
        ("Overgang barnehage–skole, ekstra oppfølging", "hour", 700, _CD),
        ("PPT-utredning, barnehage", "decision", 18_000, _CD),
        ("Spesialpedagog i barnehage", "hour", 800, _CD),
        ("Åpen barnehage", "day", 250, _R02),
        ("Familiebarnehage", "month", 15_000, _GEN),
        ("Tilrettelagt kost i barnehage", "month", 900, _GEN),
        ("Assistent for barn med særskilte behov", "hour", 550, _CD),
        ("Veiledning fra spesialpedagogisk team", "hour", 900, _CD),
        ("Morsmålsstøtte i barnehage", "hour", 650, _GEN),
        ("Barnehageplass ved akutt behov", "month", 20_000, _R02),
        ("Søskenmoderasjon", "month", 1_200, _POV),
    ],
    "oppvekst_skole": [
        ("Spesialundervisning (opplæringslova § 5-1)", "hour", 1_000, _CD),
        ("Særskilt språkopplæring", "hour", 800, _GEN),
        ("Skolefritidsordning (SFO)", "month", 3_500, _GEN),
        ("Gratis SFO-plass", "month", 3_000, _POV),
        ("Leksehjelp", "hour", 500, _GEN),
        ("Miljøterapeut i skolen", "hour", 750, _CD),
        ("Sosiallærer, individuell oppfølging", "hour", 700, _GEN),
        ("Alternativ opplæringsarena", "day", 2_500, _CD),
        ("PPT-utredning, skole", "decision", 22_000, _CD),
        ("PPT-veiledning av lærere", "hour", 950, _CD),
        ("Assistent i klasserommet", "hour", 550, _CD),
        (INNSATSLEDER, "hour", 850, _CD),
        ("Intensiv lese- og skriveopplæring", "hour", 800, _GEN),
        ("Intensiv matematikkopplæring", "hour", 800, _GEN),
        ("Tilrettelagt skoleskyss", "day", 600, _CD),
        ("Skolevegringsteam", "hour", 900, _CD),
        ("Ressursteam ved skolen", "hour", 900, _CD),
        ("Mestringsgruppe for elever", "hour", 600, _CD),
        ("Innføringsklasse", "month", 9_000, _GEN),
        ("Fritidskort", "month", 400, _POV),
        ("Utstyrslån", "decision", 500, _POV),
        ("Sommerskole", "day", 700, _GEN),
        ("Elevtjenesten, oppfølging", "hour", 750, _GEN),
        ("Rådgivning på ungdomsskolen", "hour", 700, _GEN),
        ("Forsterket avdeling", "month", 45_000, _CD),
        ("Aktivitetsskole, gratis plass", "day", 300, _POV),
        ("Tilpasset opplæring i liten gruppe", "hour", 750, _GEN),
        ("Digitale hjelpemidler i opplæringen", "decision", 8_000, _CD),
        ("Mentorordning, ungdomsskole", "hour", 600, _GEN),
        ("Aktivitetsplikt mot mobbing (kap. 9 A), oppfølging", "hour", 850, _GEN),
        ("Gratis skolemat", "month", 600, _POV),
        ("Overgang til videregående, oppfølging", "hour", 700, _CD),
        ("Skoleskyss", "day", 120, _GEN),
        ("Sykeundervisning", "hour", 900, _CD),
    ],
    "helse_sosial": [
        ("Helsestasjon, ordinært program", "decision", 1_200, _GEN),
        ("Hjemmebesøk av jordmor etter fødsel", "decision", 2_500, _R02),
        ("Svangerskapsomsorg hos jordmor", "decision", 1_500, _R02),
        ("Hjemmebesøk av helsesykepleier, nyfødt", "decision", 2_000, _R02),
        ("Familie for første gang", "hour", 1_000, _R02),
        ("Foreldreveiledning (COS-P)", "hour", 850, _R02),
        ("Ekstra oppfølging på helsestasjonen", "hour", 900, _R02),
        ("Skolehelsetjenesten, samtale", "hour", 850, _GEN),
        ("Helsestasjon for ungdom", "decision", 900, _GEN),
        ("Psykisk helsetjeneste for barn og unge", "hour", 1_100, _CD),
        ("Rask psykisk helsehjelp", "hour", 1_000, _MH),
        ("Psykisk helsetjeneste for voksne", "hour", 1_000, _MH),
        ("Oppsøkende behandlingsteam (FACT)", "month", 18_000, _MH),
        ("Ruskonsulent, poliklinisk oppfølging", "hour", 1_050, _MH),
        ("Bolig med bemanning, psykisk helse og rus", "day", 2_800, _MH),
        ("Dagsenter, lavterskel rus", "day", 900, _MH),
        ("Individuell plan, koordinator", "hour", 800, _CD),
        ("Koordinerende enhet, oppfølging", "hour", 850, _CD),
        ("Støttekontakt", "hour", 350, _CD),
        ("Avlastning for barn med funksjonsnedsettelse", "day", 4_500, _CD),
        ("Omsorgsstønad", "month", 6_000, _CD),
        ("Fysioterapi", "hour", 900, _GEN),
        ("Ergoterapi", "hour", 900, _GEN),
        ("Legevakt, konsultasjon", "decision", 1_400, _GEN),
        ("Frisklivssentral", "hour", 500, _GEN),
        ("Boligsosialt arbeid, oppfølging i bolig", "hour", 750, _POV),
        ("Kommunal utleiebolig", "month", 9_500, _POV),
        ("Bostøtte og startlån, saksbehandling", "decision", 3_000, _POV),
        ("Økonomisk rådgivning", "hour", 800, _POV),
        (HOLF_GUIDANCE, "hour", 900, _POV),
        ("Midlertidig bolig", "day", 1_100, _MH),
        ("Ettervern etter rusbehandling", "hour", 900, _MH),
        ("Brukerstyrt personlig assistanse (BPA)", "hour", 450, _CD),
        ("Helsetjeneste for flyktninger", "decision", 1_800, _GEN),
        ("Vaksinasjon", "decision", 400, _GEN),
        ("Samtaletilbud for ungdom (SLT)", "hour", 800, _CD),
        ("Krisesenter", "day", 2_200, _R02),
        ("Tolketjeneste", "hour", 900, _GEN),
        ("Utskrivningsklar pasient, kommunal betaling", "day", 5_000, _GEN),
        ("Treningskontakt", "hour", 400, _MH),
    ],
    "pleie_omsorg": [
        # 250,510 NOK per recipient-year (Bærum, KOSTRA/ASSS 2011) / 12 months.
        ("Hjemmebaserte tjenester, samlet vedtak", "month", 20_876, _GEN),
        # 346 NOK per hour (a small municipality's published price, 2022).
        ("Praktisk bistand, hjemmehjelp", "hour", 346, _GEN),
        ("Hjemmesykepleie", "hour", 800, _GEN),
        ("Trygghetsalarm", "month", 400, _GEN),
        ("Matombringing", "day", 120, _GEN),
        ("Korttidsopphold på sykehjem", "day", 3_200, _GEN),
        ("Langtidsplass på sykehjem", "day", 3_500, _GEN),
        ("Dagsenter for eldre", "day", 1_100, _GEN),
        ("Dagsenter for personer med demens", "day", 1_300, _GEN),
        ("Omsorgsbolig med heldøgns bemanning", "day", 2_900, _GEN),
        ("Rehabilitering i institusjon", "day", 3_400, _GEN),
        ("Hverdagsrehabilitering", "hour", 800, _GEN),
        ("Avlastning for pårørende", "day", 3_000, _GEN),
        ("Brukerstyrt personlig assistanse, eldre", "hour", 450, _GEN),
        ("Omsorgsstønad, eldre", "month", 6_000, _GEN),
        ("Formidling av hjelpemidler", "decision", 2_500, _GEN),
        ("Tilrettelegging av bolig", "decision", 25_000, _GEN),
        ("Palliativ omsorg i hjemmet", "hour", 900, _GEN),
        ("Nattpatrulje", "hour", 850, _GEN),
        ("Demensteam, utredning", "decision", 9_000, _GEN),
        ("Bolig for personer med utviklingshemming", "day", 4_500, _CD),
        ("Praktisk bistand, opplæring", "hour", 600, _CD),
        ("Støttekontakt, eldre", "hour", 350, _GEN),
        ("Ernæringsoppfølging", "hour", 700, _GEN),
        ("Trygghetsplass", "day", 2_500, _GEN),
        ("Skjermet enhet for personer med demens", "day", 4_000, _GEN),
        ("Digitalt tilsyn", "month", 800, _GEN),
        ("Legemiddelhåndtering i hjemmet", "hour", 700, _GEN),
        ("Transporttjeneste for funksjonshemmede (TT)", "month", 500, _GEN),
        ("Rusomsorg for eldre", "hour", 900, _MH),
    ],
    "nav": [
        # 9,718 NOK per month (Statistics Norway 2019: 6.98 bn / 129,894 recipients,
        # 5.5 months on average).
        (SOCIAL_ASSISTANCE, "month", 9_718, _POV),
        ("Kvalifiseringsprogrammet", "month", 14_000, _POV),
        ("Kvalifiseringsstønad", "month", 17_000, _POV),
        ("Nødbolig", "day", 900, _MH),
        ("Supplerende stønad", "month", 5_000, _GEN),
        ("Introduksjonsprogrammet", "month", 20_000, _GEN),
        ("Arbeidsrettet oppfølging", "hour", 800, _GEN),
        ("Arbeidspraksis i kommunal virksomhet", "month", 6_000, _GEN),
        ("Lønnstilskudd, kommunal andel", "month", 8_000, _GEN),
        ("Individuell jobbstøtte (IPS)", "month", 7_500, _MH),
        ("Ungdomsgaranti, oppfølging", "hour", 750, _CD),
        ("Aktivitetsplikt for unge sosialhjelpsmottakere", "month", 3_000, _POV),
        ("Gjeldsrådgivning", "hour", 800, _POV),
        ("Nødhjelp", "decision", 3_500, _POV),
        ("Engangsstønad til depositum og strøm", "decision", 9_000, _POV),
        ("Familiekoordinator", "month", 4_000, _POV),
        ("Jobbklubb", "day", 600, _GEN),
        ("Arbeidsmarkedskurs, kommunal andel", "day", 1_000, _GEN),
        ("Tolk i NAV-samtaler", "hour", 900, _GEN),
        ("Oppfølging av sykmeldte", "hour", 800, _GEN),
        ("Sosialfaglig oppfølging (sosialtjenesteloven § 17)", "hour", 800, _GEN),
        ("Kommunal tilleggsbostøtte", "month", 1_800, _POV),
    ],
    "barnevern": [
        # 170,000 / 85,000 / 15,000 NOK per month: government rates for the municipal
        # co-payment in child-welfare measures, 2022.
        ("Barnevernsinstitusjon, kommunal egenandel", "month", 170_000, _CD),
        ("Beredskapshjem, kommunal egenandel", "month", 85_000, _R02),
        ("Spesialisert fosterhjem, kommunal egenandel", "month", 85_000, _CD),
        ("Multisystemisk terapi (MST), egenandel", "month", 15_000, _CD),
        ("Funksjonell familieterapi (FFT), egenandel", "month", 15_000, _CD),
        ("Fosterhjem", "month", 35_000, _CD),
        ("Fosterhjem i slekt og nettverk", "month", 25_000, _CD),
        ("Råd og veiledning", "hour", 900, _GEN),
        ("Foreldreveiledning (PMTO)", "hour", 1_000, _CD),
        ("Besøkshjem", "day", 2_000, _R02),
        ("Støttekontakt, barnevern", "hour", 400, _CD),
        ("Økonomisk stønad til fritidsaktiviteter", "month", 1_000, _POV),
        ("Barnehageplass som hjelpetiltak", "month", 18_000, _R02),
        ("SFO-plass som hjelpetiltak", "month", 3_500, _POV),
        ("Tilsyn i hjemmet", "hour", 900, _R02),
        ("Undersøkelse (barnevernsloven)", "decision", 30_000, _GEN),
        ("Akuttplassering", "day", 5_000, _R02),
        ("Ettervern 18–25 år", "month", 12_000, _CD),
        ("Familieråd", "decision", 25_000, _GEN),
        ("Foreldre–barn-senter", "day", 6_000, _R02),
        ("Veiledet samvær", "hour", 900, _GEN),
        ("Bolig med oppfølging for ungdom", "month", 45_000, _MH),
        ("Miljøarbeider i barnevernet", "hour", 700, _CD),
        ("Home-Start familiekontakten", "hour", 500, _R02),
    ],
}


def build_measures() -> pd.DataFrame:
    """Return the measure catalogue (``measures`` record table).

    Returns
    -------
    pandas.DataFrame
        Columns ``measure_id`` (1, 2, ...), ``name``, ``sector``, ``unit`` (``hour``,
        ``day``, ``month`` or ``decision``), ``unit_cost_nok`` and ``target_group``.

    Examples
    --------
    >>> m = build_measures()
    >>> len(m), sorted(m["sector"].unique())[:2]
    (172, ['barnevern', 'helse_sosial'])
    """
    rows = [
        (name, sector, unit, float(cost), group)
        for sector in SECTORS
        for name, unit, cost, group in _CATALOGUE[sector]
    ]
    df = pd.DataFrame(rows, columns=["name", "sector", "unit", "unit_cost_nok", "target_group"])
    df.insert(0, "measure_id", pd.array(range(1, len(df) + 1), dtype="int64"))
    return df
