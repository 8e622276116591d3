"""What harm-information topics may cite: confirmed phone numbers and allowed sources.

Each entry has a short source id (F1, S1, HAV2, ...) that docs/content-sources.md uses to say which
claim each source backs, so a reviewer can re-check it. A topic may show a phone number only if it is
listed in CONFIRMED_NUMBERS, and may link only to a URL in ALLOWED_SOURCES (or name a domain listed
there). Every allowed URL is a deep link to the page that supports the claim, never a home page.
To add a number or a source, check it on the page first, then add it here with its id.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ConfirmedNumber:
    digits: str  # normalised: digits only, UK numbers starting 0 (never +44)
    display: str  # how topics write it
    service: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class UnconfirmedNumber:
    digits: str
    display: str
    service: str
    reason: str


@dataclass(frozen=True)
class AllowedSource:
    source_id: str  # the brief's id, e.g. "F1"
    title: str  # what the brief says the source is
    url: str  # the page itself (a deep link, never a home page)


CONFIRMED_NUMBERS: tuple[ConfirmedNumber, ...] = (
    ConfirmedNumber("03001236600", "0300 123 6600", "FRANK helpline (24/7)", ("F4",)),
    ConfirmedNumber("82111", "82111", "FRANK text service", ("F4",)),
    ConfirmedNumber("03001231099", "0300 123 1099", "FRANK textphone", ("F4",)),
    ConfirmedNumber("116123", "116 123", "Samaritans (free, 24 hours)", ("SAM",)),
    ConfirmedNumber("85258", "85258", "Shout (text SHOUT, 24/7)", ("SHO",)),
    ConfirmedNumber("111", "111", "NHS 111 (England), NHS 111 Wales, NHS 24 (Scotland): free, 24/7",
                    ("111", "NHS24", "GOVW111")),
    ConfirmedNumber("08009995428", "0800 999 5428", "Galop (LGBT+ abuse and violence)", ("GAL", "GAL2")),
    ConfirmedNumber("08088021221", "0808 802 1221", "THT Direct (Terrence Higgins Trust)", ("THT",)),
    ConfirmedNumber("08001111", "0800 1111", "Childline (anyone under 19, free, 24/7)", ("NSPCCL",)),
    ConfirmedNumber("999", "999", "Emergency services", ("N1", "NHSD")),
    ConfirmedNumber("101", "101", "Police non-emergency", ("N1", "BBC101", "KENT101")),
    ConfirmedNumber("08082000247", "0808 2000 247", "National Domestic Abuse Helpline (Refuge, 24/7)", ("REFUGE",)),
    ConfirmedNumber("08000684141", "0800 068 4141", "Papyrus HOPELINE247 (under 35s)", ("PAP", "PAP247")),
    ConfirmedNumber("0800585858", "0800 58 58 58", "CALM helpline (5pm to midnight)", ("CALM",)),
    ConfirmedNumber("02032996900", "020 3299 6900", "The Havens (London sexual assault referral centres)",
                    ("HAV2",)),
    ConfirmedNumber("08088005000", "0808 800 5000", "NSPCC helpline (adults worried about a child)", ("NSPCCR",)),
    ConfirmedNumber("08088010800", "0808 80 10 800", "Live Fear Free helpline (Wales, 24/7)", ("LFF",)),
    ConfirmedNumber("08000271234", "0800 027 1234", "Scotland's Domestic Abuse and Forced Marriage Helpline (24/7)",
                    ("SDA", "PSCOT")),
    ConfirmedNumber("08088021414", "0808 802 1414", "Domestic and Sexual Abuse Helpline (Northern Ireland, 24/7)",
                    ("NIDSA", "VSNI")),
    ConfirmedNumber("08088010302", "08088 01 03 02", "Rape Crisis Scotland helpline (6pm to midnight)", ("RCS",)),
)

#: Numbers the brief names but no source confirmed (or that are known to be wrong). They must never
#: appear in a topic; the directory data may hold them with verified = false.
UNCONFIRMED_NUMBERS: tuple[UnconfirmedNumber, ...] = (
    UnconfirmedNumber("08085002222", "0808 500 2222", "Rape Crisis 24/7 Support Line",
                      "not confirmed on the service's own site: name Rape Crisis and tell people to check the "
                      "number on its website"),
    UnconfirmedNumber("03001237123", "0300 123 7123", "National Sexual Health Helpline", "not confirmed"),
    UnconfirmedNumber("03009991212", "0300 999 1212", "Narcotics Anonymous", "not confirmed"),
    UnconfirmedNumber("0800776600", "0800 77 66 00", "FRANK (old number)",
                      "FRANK's old number: never use; the current line is 0300 123 6600"),
    UnconfirmedNumber("08000119100", "0800 0119 100", "Switchboard LGBT+ helpline",
                      "not confirmed on Switchboard's own site"),
    UnconfirmedNumber("03001233393", "0300 123 3393", "Mind Infoline", "not confirmed on Mind's own site"),
    UnconfirmedNumber("02073242989", "020 7324 2989", "Release drugs and legal advice line",
                      "only a third-party page gives it (i-base, HIV Treatment Bulletin)"),
)

CONFIRMED_DIGITS: frozenset[str] = frozenset(n.digits for n in CONFIRMED_NUMBERS)
UNCONFIRMED_DIGITS: frozenset[str] = frozenset(n.digits for n in UNCONFIRMED_NUMBERS)

# Every source is the page that supports what it is cited for (never a site's home page); see
# docs/content-sources.md for which claim each one backs. FRANK texts from the 2018 export are named
# "check against talktofrank.com" in the topics.
ALLOWED_SOURCES: tuple[AllowedSource, ...] = (
    # FRANK (UK government drug advice)
    AllowedSource("F1", "FRANK: ketamine (2018 text)", "https://www.talktofrank.com/drug/ketamine"),
    AllowedSource("F2", "FRANK: GHB/GBL (2018 text)", "https://www.talktofrank.com/drug/ghb"),
    AllowedSource("F3", "FRANK: worried about a friend (2018 text)",
                  "https://www.talktofrank.com/get-help/worried-about-a-friend"),
    AllowedSource("F4", "FRANK: contact FRANK", "https://www.talktofrank.com/contact-frank"),
    # Ketamine: bladder, belly pain, dependence
    AllowedSource("T", "TripSit drug data: ketamine (combinations)",
                  "https://github.com/TripSit/drugs/blob/main/drug_files/ketamine.json"),
    AllowedSource("S1", "Substance Misuse Resources: Ketamine and your bladder",
                  "https://substancemisuseresources.co.uk/harm-reduction-information/"
                  "ketamine-and-your-bladder-what-you-need-to-know"),
    AllowedSource("B", "Remedy (BNSSG ICB): ketamine bladder GP pathway (draft)",
                  "https://remedy.bnssg.icb.nhs.uk/bnssg-icb/development-area/ketamine-bladder-draft"),
    AllowedSource("G", "Global Drug Survey: Ketamine & the bladder (Dr Angela Cottrell)",
                  "https://www.globaldrugsurvey.com/ketamine-the-bladder-by-dr-angela-cottrell/"),
    AllowedSource("GDS2", "Ketamine dependence in the Global Drug Survey 2018 (PMC article)",
                  "https://pmc.ncbi.nlm.nih.gov/articles/PMC11760648/"),
    AllowedSource("KW", "Ketamine use: a review of harms (PMC article): discontinuation symptoms",
                  "https://pmc.ncbi.nlm.nih.gov/articles/PMC4183767"),
    AllowedSource("U1", "Urostomy Association: Beyond the high",
                  "https://urostomyassociation.org.uk/blog/beyond-the-high"),
    AllowedSource("U2", "Urostomy Association: Inside the ketamine bladder crisis",
                  "https://urostomyassociation.org.uk/blog/inside-the-ketamine-bladder-crisis"),
    AllowedSource("K", "Kutscher & Greene 2022, J Gen Intern Med", "https://doi.org/10.1007/s11606-021-07297-0"),
    AllowedSource("L", "Leeds Teaching Hospitals: blood in the urine (haematuria)",
                  "https://www.leedsth.nhs.uk/a-z-of-services/urology/common-urological-conditions/"
                  "blood-in-the-urine-haematuria/"),
    AllowedSource("P", "Patient.info: urinary retention",
                  "https://patient.info/mens-health/prostate-and-urethra-problems/urinary-retention"),
    AllowedSource("TD", "Top Doctors: acute urinary retention, an expert's guide",
                  "https://www.topdoctors.co.uk/medical-articles/acute-urinary-retention-an-expert-s-guide"),
    AllowedSource("CPC", "Ketamine-induced abdominal pain, case report, Clinical Practice and Cases in "
                  "Emergency Medicine (2024)", "https://doaj.org/article/f87b180cbd5d442a91dd513e0f180ec7"),
    AllowedSource("SE", "Chronic biliary colic associated with ketamine, case report (Int Med Case Rep J 2016)",
                  "https://www.dovepress.com/case-report-chronic-biliary-colic-associated-with-ketamine-abuse-"
                  "peer-reviewed-fulltext-article-IMCRJ"),
    AllowedSource("NSAID", "NHS Fife: oral anti-inflammatory painkillers (NSAIDs)",
                  "https://nhsfife.org/services/all-services/patient-advice/"
                  "oral-non-steroidal-anti-inflammatory-drugs-nsaids"),
    AllowedSource("PARA", "NHS 111 Wales: paracetamol for adults",
                  "https://111.wales.nhs.uk/encyclopaedia/p/article/paracetamolforadults"),
    AllowedSource("PORTS", "Portsmouth health and care: stomach ache", "https://healthandcare.portsmouth.gov.uk/stomach-ache/"),
    AllowedSource("UCLH", "UCLH: abdominal pain (discharge advice)",
                  "https://www.uclh.nhs.uk/patients-and-visitors/patient-information-pages/abdominal-pain"),
    AllowedSource("W111", "NHS 111 Wales: drug misuse", "https://111.wales.nhs.uk/encyclopaedia/d/article/drugmisuse"),
    AllowedSource("SU", "Surrey Drug and Alcohol Care: ketamine",
                  "https://www.surreydrugandalcohol.com/info-advice/drugs-alcohol/ketamine"),
    AllowedSource("C1", "Crew: dissociatives leaflet (copy)", "https://docslib.org/doc/8398391/dissociatives"),
    AllowedSource("C2", "Crew: withdrawal", "https://www.crew.scot/drugs-information/what-you-need-to-know/withdrawal/"),
    AllowedSource("PEER", "GOV.UK clinical guidelines: recovery support services and lived experience",
                  "https://www.gov.uk/guidance/clinical-guidelines-for-alcohol-treatment/"
                  "6-recovery-support-services-and-lived-experience-initiatives"),
    # Emergencies, mixing, CPR, police at call-outs
    AllowedSource("LF1", "London Friend: emergency advice",
                  "https://londonfriend.org.uk/get-support/drugsandalcohol/emergency-advice/"),
    AllowedSource("DS", "David Stuart: chemsex first aid (IDPC, 2019)",
                  "https://idpc.net/fr/publications/2019/02/chemsex-premiers-secours"),
    AllowedSource("NHSI", "NHS inform: drugs, what you need to know",
                  "https://www.nhsinform.scot/healthy-living/drugs-and-drug-use/drugs-what-you-need-to-know"),
    AllowedSource("NHSD", "NHS Digital: good systems save lives (999 call handlers and CPR)",
                  "https://digital.nhs.uk/blog/transformation-blog/2020/from-the-frontline-good-systems-save-lives"),
    AllowedSource("SJA", "St John Ambulance: how to do CPR on an adult",
                  "https://www.sja.org.uk/get-advice/first-aid-advice/unresponsive-casualty/how-to-do-cpr-on-an-adult/"),
    AllowedSource("GMHC", "Gay Men's Health Collective: ambulance call-outs and the police (2018)",
                  "https://gaymenshealthcollective.co.uk/ambulance-call-outs-and-the-police-july-2018/"),
    AllowedSource("NYP", "North Yorkshire Police and ambulance service: drug overdose, dial 999 (2012)",
                  "https://harrogate-news.co.uk/2012/08/20/drug-overdose-dial-999-without-delay"),
    AllowedSource("DSPMS", "56 Dean Street: play more safely", "https://dean.st/play-more-safely-pdf"),
    # G (GHB/GBL)
    AllowedSource("LFG", "London Friend: GHB/GBL", "https://londonfriend.org.uk/ghb-gbl"),
    AllowedSource("RE", "Release: GHB and GBL harm reduction",
                  "https://www.release.org.uk/drugs/ghb-and-gbl/harm-reduction"),
    AllowedSource("N2G", "NHS North London drug and alcohol service: GHB",
                  "https://drugandalcohol.northlondonmentalhealth.nhs.uk/ghb"),
    AllowedSource("SAGHB", "SA Health (Australia): GHB withdrawal management",
                  "https://emergencydepartments.sa.gov.au/wps/wcm/connect/public+content/sa+health+internet/"
                  "clinical+resources/clinical+programs+and+practice+guidelines/substance+misuse+and+dependence/"
                  "substance+withdrawal+management/ghb+withdrawal+management"),
    AllowedSource("PEN", "Penington Institute: GHB", "https://www.penington.org.au/resources/ghb/"),
    AllowedSource("BOYZ", "Boyz Doc: Dr Laura Waters (Mortimer Market Centre) on chemsex (2018)",
                  "https://boyz.co.uk/2018/12/boyz-doc-dr-laura-waters-from-mortimer-market-centre-on-"
                  "im-doing-chemsex-this-new-year/"),
    AllowedSource("SCDAS", "SCDAS: chemsex, how to stay safer",
                  "https://www.scdas.org.uk/need-help/drugs/chemsex-how-to-stay-safer/"),
    AllowedSource("WY", "We Are With You: chemsex", "https://wearewithyou.org.uk/help-and-advice/advice-you/chemsex"),
    # Chemsex, stimulants, consent, sexual health
    AllowedSource("LF2", "London Friend: chemsex and consent", "https://londonfriend.org.uk/?p=1639"),
    AllowedSource("LF3", "London Friend: chemsex and sexual health", "https://londonfriend.org.uk/chemsex-and-sexual-health"),
    AllowedSource("LFM", "London Friend: crystal meth", "https://londonfriend.org.uk/?p=1752"),
    AllowedSource("GA", "Galop: consent and chemsex", "https://www.galop.org.uk/consent-chemsex/"),
    AllowedSource("GAL", "Galop: our history (helpline number)", "https://galop.org.uk/about/history/"),
    AllowedSource("GAL2", "Hits Radio: new LGBT+ abuse helpline launched (2023, opening hours)",
                  "https://hellorayo.co.uk/hits-radio/uk/news/new-lgbt-abuse-helpline-launched"),
    AllowedSource("N1", "NHS Let's Talk About It: sexual assault, consent and the law",
                  "https://www.letstalkaboutit.nhs.uk/directory-of-services/chemsex-support/"
                  "sexual-assault-consent-and-the-law/"),
    AllowedSource("STI", "Sexually Transmitted Infections (BMJ) 92 Suppl 1 A42.3",
                  "https://sti.bmj.com/content/92/Suppl_1/A42.3"),
    AllowedSource("REM", "Release: methamphetamine harm reduction",
                  "https://www.release.org.uk/drugs/methamphetamine/harm-reduction"),
    AllowedSource("REMEPH", "Release: mephedrone harm reduction",
                  "https://www.release.org.uk/drugs/mephedrone/harm-reduction"),
    AllowedSource("SMRM", "Substance Misuse Resources: meph", "https://substancemisuseresources.co.uk/harm-reduction-information/meph-free"),
    AllowedSource("SURM", "Surrey Drug and Alcohol Care: crystal meth",
                  "https://www.surreydrugandalcohol.com/info-advice/drugs-alcohol/metamphetamines-crystal-meth"),
    AllowedSource("MSMT", "MSM Trainings: mephedrone (chemsex module)",
                  "https://msm-trainings.org/module/chemsex-sexualised-substance-use/mephedrone"),
    AllowedSource("HCT", "The Hepatitis C Trust: drug paraphernalia",
                  "http://hepctrust.org.uk/information/risk-factors/drug-paraphernalia"),
    AllowedSource("MENRUS", "MEN R US: safer slamming", "https://menrus.co.uk/drugs-content/safer-slamming"),
    AllowedSource("CHEMSAFE", "Chemsafe: safer injecting", "https://chemsafe.space/safer-injecting"),
    AllowedSource("IPED", "IPED info: needle exchanges", "http://ipedinfo.co.uk/needle_exchanges.html"),
    AllowedSource("WELD", "Weldricks Pharmacy: needle exchange scheme",
                  "https://www.weldricks.co.uk/services/needle-exchange-scheme"),
    AllowedSource("CHEMSEXUK", "chemsex.co.uk: HIV drug interactions", "https://chemsex.co.uk/chems/hiv-drug-interactions"),
    AllowedSource("IBASE", "i-base: ART and recreational drug interactions (ritonavir)",
                  "https://i-base.info/ttfa/7-drug-users-and-hiv/6-art-and-recreational-drug-interactions-ritonavir/"),
    AllowedSource("NHIVNA", "NHIVNA: chemsex and HIV medicines", "https://www.nhivna.org/news-detail.php?news_id=86"),
    AllowedSource("LGBTF", "LGBT Foundation: let's talk about poppers",
                  "https://lgbt.foundation/news/lets-talk-about---poppers/201"),
    AllowedSource("NEWC", "Newcastle Hospitals sexual health: PEP", "https://newcastle-hospitals.nhs.uk/services/sexual-health/pepse"),
    AllowedSource("SHNI", "Sexual Health NI: post-exposure prophylaxis (PEP)",
                  "https://www.sexualhealthni.info/post-exposure-prophylaxis-pep-hiv"),
    AllowedSource("GT", "Gay Times: PrEP is available on the NHS (England, 2020)",
                  "https://gaytimes.com/life/prep-is-finally-available-on-the-nhs-how-can-i-get-it"),
    AllowedSource("AIDSMAPSTI", "aidsmap: PrEP and sexually transmitted infections",
                  "https://www.aidsmap.com/about-hiv/prep-and-sexually-transmitted-infections"),
    AllowedSource("STDJ", "HIV PrEP in the UK nations (Sex Transm Dis, 2021)",
                  "https://journals.lww.com/stdjournal/Fulltext/2021/09000/Human_Immunodeficiency_Virus_Preexposure.13.aspx"),
    AllowedSource("HERTSSH", "Sexual Health Hertfordshire (NHS): emergency contraception",
                  "https://www.sexualhealthhertfordshire.clch.nhs.uk/emergency-contraception"),
    AllowedSource("CUMB", "Cumbria sexual health (NHS): emergency contraception",
                  "https://www.cumbriapartnership.nhs.uk/our-services/specialist-services/cumbria-sexual-health/"
                  "emergency-contraception"),
    # Spiking, naloxone, drug checking
    AllowedSource("HERTS", "Hertfordshire Constabulary: drink spiking",
                  "https://www.herts.police.uk/police-forces/hertfordshire-constabulary/areas/campaigns/"
                  "student-safety/drink-spiking/"),
    AllowedSource("NPCC", "National Police Chiefs' Council advice on spiking (copy)",
                  "https://securityscotland.com/npcc-release-advice-for-spiking/"),
    AllowedSource("AVON", "Avon and Somerset Police: drink and drug spiking guidance",
                  "https://staging.avonandsomerset.police.uk/victims-witnesses-and-offenders/drink-drug-spiking-guidance"),
    AllowedSource("ECAMBS", "East Cambridgeshire District Council: drink spiking",
                  "https://eastcambs.gov.uk/community-safety-and-wellbeing/crime-and-community-safety/"
                  "crimes-and-anti-social-behaviour/drink"),
    AllowedSource("STHELENS", "St Helens Council: think you or a friend have been spiked?",
                  "https://safer.sthelens.gov.uk/pages/be-spike-aware/what-if-you-or-a-friend-are-spiked/"),
    AllowedSource("GOVNAL", "GOV.UK: supplying take-home naloxone without a prescription",
                  "https://www.gov.uk/guidance/supplying-take-home-naloxone-without-a-prescription"),
    AllowedSource("RELNAL", "Release: naloxone and the law", "https://www.release.org.uk/drugs/naloxone/law"),
    AllowedSource("SAS", "Scottish Ambulance Service: drug overdose",
                  "https://www.scottishambulance.com/our-services/emergency-care/drug-overdose/"),
    AllowedSource("STD", "Stop the Deaths (Scotland): naloxone", "https://stopthedeaths.com/naloxone"),
    AllowedSource("SCDASN", "SCDAS: synthetic opioid alert (nitazenes), 2023",
                  "https://www.scdas.org.uk/2023/12/15/synthetic-opioid-alert-nitazenes/"),
    AllowedSource("SUSX", "University of Sussex: nitazenes found in other drugs",
                  "https://sussex.ac.uk/broadcast/read/62389"),
    AllowedSource("WEDINOS", "BBC Newsbeat: WEDINOS drug testing (Public Health Wales)",
                  "https://feeds.bbci.co.uk/news/newsbeat-25951290"),
    AllowedSource("LOOP", "The Loop: festival drug checking (2024)", "https://wearetheloop.org/pressrelease-festivals"),
    # Young people, abuse, sexual assault
    AllowedSource("NSPCCL", "NSPCC Learning: Childline", "https://learning.nspcc.org.uk/services/childline"),
    AllowedSource("NSPCCR", "NSPCC: report abuse", "https://www.nspcc.org.uk/what-you-can-do/report-abuse/"),
    AllowedSource("GMC", "GMC: 0-18 years guidance, sexual activity",
                  "https://www.gmc-uk.org/professional-standards/the-professional-standards/0-18-years/sexual-activity"),
    AllowedSource("DORSET", "Sexual Health Dorset: confidentiality", "https://sexualhealthdorset.org/about-us/confidentiality"),
    AllowedSource("RC", "24/7 Sexual Abuse Support (Rape Crisis England and Wales): FAQs",
                  "https://247sexualabusesupport.org.uk/faqs/"),
    AllowedSource("REFUGE", "Refuge: response to the Home Secretary (National Domestic Abuse Helpline)",
                  "https://refuge.org.uk/news/refuge-response-to-home-secretary-announcement-of-support-for-"
                  "domestic-abuse-victims"),
    AllowedSource("LFF", "Welsh Government, Live Fear Free: sexual violence", "https://www.gov.wales/live-fear-free/sexual-violence"),
    AllowedSource("SDA", "Safer Scotland: report domestic abuse", "https://safer.scot/information/da/report/"),
    AllowedSource("PSCOT", "Police Scotland: domestic abuse, what can I do",
                  "https://scotland.police.uk/advice-and-information/domestic-abuse/what-can-i-do-if-this-is-happening-to-me"),
    AllowedSource("NIDSA", "Southern Health and Social Care Trust: domestic abuse",
                  "https://southerntrust.hscni.net/service/domestic-abuse-2"),
    AllowedSource("VSNI", "Victim Support NI: domestic violence", "https://www.victimsupportni.com/help-for-victims/domestic-violence"),
    AllowedSource("C56", "Centre 56: domestic abuse (Silent Solution)", "https://www.centre56.org.uk/domestic-abuse"),
    AllowedSource("BELF", "Belfast Trust: domestic abuse and sexual violence support",
                  "https://belfasttrust.hscni.net/service/adult-protection-gateway-team/domestic-abuse-sexual-violence-support/"),
    AllowedSource("HAV1", "The Havens: our services", "https://www.thehavens.org.uk/referrals/our-services/"),
    AllowedSource("HAV2", "The Havens: how do I refer", "https://www.thehavens.org.uk/referrals/how-do-i-refer/"),
    AllowedSource("HAV3", "The Havens: about us", "https://thehavens.org.uk/about-us/"),
    AllowedSource("HAVFME", "The Havens: forensic examination (your choice; emergency contraception, PEP)",
                  "https://thehavens.org.uk/visiting-us/what-happens-at-the-havens/forensic-examination/"),
    AllowedSource("SARC", "SARC help: sexual assault referral centres", "https://sarchelp.co.uk/sarcs/"),
    AllowedSource("SARC2", "SARC help: what is a SARC", "https://sarchelp.co.uk/sarcs/what-is-a-sarc/"),
    AllowedSource("CRASAC", "CRASAC (Cornwall): I've been raped or sexually assaulted",
                  "https://www.crasaccornwall.co.uk/ive-been-raped-sexually-assaulted/"),
    AllowedSource("TEES", "SARC Teesside: assaulted in the last 10 days", "https://www.sarcteesside.co.uk/last10days.htm"),
    AllowedSource("RCS", "Rape Crisis Scotland: blog (helpline)", "https://www.rapecrisisscotland.org.uk/blogs/blog/tag/Rape/"),
    # Law, arrest, police
    AllowedSource("LEGALCH", "Legal Choices: I have been arrested", "https://www.legalchoices.org.uk/at-home/i-have-been-arrested"),
    AllowedSource("BB", "Burnett Barker solicitors: free legal advice on arrest",
                  "https://www.burnettbarker.co.uk/crime/free-legal-advice-arrest/"),
    AllowedSource("HOAR", "Home Office: drugs law (2010, archived)",
                  "https://web.archive.org/web/20100501153004/http://www.homeoffice.gov.uk/drugs/drugs-law/Class-a-b-c/"),
    AllowedSource("GOVDD", "GOV.UK: drug-driving", "https://www.gov.uk/government/collections/drug-driving"),
    AllowedSource("BBC101", "BBC News: 101 calls to become free (2019)", "https://www.bbc.co.uk/news/uk-48423791"),
    AllowedSource("KENT101", "Kent Police via Lyminge Parish Council: the 101 number",
                  "http://lymingepc.kentparishes.gov.uk/what-is-the-new-police-number-101-all-about/"),
    AllowedSource("TAM101", "Tamworth Informed: Home Office 101 campaign (all UK forces, 2016)",
                  "https://www.tamworthinformed.co.uk/do-you-know-how-to-contact-the-police/"),
    # NHS 111 and the four nations
    AllowedSource("111", "Wikipedia: NHS 111 (England, Wales, Scotland; not Northern Ireland)",
                  "https://en.wikipedia.org/wiki/NHS_111"),
    AllowedSource("NHS24", "NHS 24: 111", "https://www.nhs24.scot/111/"),
    AllowedSource("BORDERS", "NHS Borders: NHS 24 (call free on 111)",
                  "https://www.nhsborders.scot.nhs.uk/patients-and-visitors/right-care,-right-place/nhs24/"),
    AllowedSource("GOVW111", "Welsh Government: 111 pilot", "https://gov.wales/vaughan-gething-welcomes-success-111-pilot-0"),
    AllowedSource("NIOOH", "HSCNI: GP out of hours service standards",
                  "https://gpoutofhours.hscni.net/service-standards-for-gp-out-of-hours/"),
    AllowedSource("NIPF", "HSCNI: Phone First FAQs", "https://online.hscni.net/our-work/no-more-silos/phone-first-faqs/"),
    AllowedSource("MH111", "Sheffield Health and Social Care NHS: call NHS 111 in a mental health crisis",
                  "https://shsc.nhs.uk/news/call-nhs-111-if-you-are-experiencing-mental-health-crisis"),
    AllowedSource("OUNDLE", "Oundle Surgery (NHS): mental health services via 111",
                  "https://www.oundlesurgery.nhs.uk/news/accessing-mental-health-services-via-111"),
    # Helplines
    AllowedSource("SAM", "Samaritans: contact a Samaritan", "https://www.samaritans.org/how-we-can-help/contact-samaritan/"),
    AllowedSource("SHO", "Shout: FAQ", "https://giveusashout.org/about-us/faq/"),
    AllowedSource("CALM", "CALM: helpline terms", "https://www.thecalmzone.net/helpline-terms/"),
    AllowedSource("PAP", "Papyrus: HOPELINE FAQs", "https://www.papyrus-uk.org/hopelineuk-faqs/"),
    AllowedSource("PAP247", "NationalWorld: Papyrus HOPELINE247 (2023)",
                  "https://www.nationalworld.com/your-world/papyrus-emergency-appeal-launched-by-charity-to-save-"
                  "young-lives-from-suicide-4980322"),
    AllowedSource("THT", "aidsmap: THT Direct number and hours (2012)", "http://www.aidsmap.com/page/2533765/"),
)


def is_deep_link(url: str) -> bool:
    """True for an http(s) address of a page: it has a path or a query beyond the site's home page."""
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() not in ("http", "https") or "." not in parts.netloc:
        return False
    path = parts.path.strip("/").lower()
    if path in ("", "index.html", "index.htm", "index.php", "home", "en", "en-gb"):
        return bool(parts.query)
    return True


def _url_key(url: str) -> str:
    """Compare URLs ignoring scheme/host case and a trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    key = f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"
    if parts.query:
        key += "?" + parts.query
    return key


def _bare_host(host: str) -> str:
    host = host.lower().strip().rstrip(".")
    return host[4:] if host.startswith("www.") else host


ALLOWED_URLS: frozenset[str] = frozenset(s.url for s in ALLOWED_SOURCES)
_ALLOWED_URL_KEYS = {_url_key(u) for u in ALLOWED_URLS}
ALLOWED_DOMAINS: frozenset[str] = frozenset(_bare_host(urlsplit(u).netloc) for u in ALLOWED_URLS)


def normalise_number(text: str) -> str:
    """Digits only, with +44 (and a stray '(0)') turned into the UK leading 0."""
    text = text.strip()
    international = text.startswith("+") or text.startswith("00")
    text = text.replace("(0)", "")
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if international and digits.startswith("44"):
        return "0" + digits[2:]
    if international:
        return "+" + digits
    return digits


def is_confirmed_number(text: str) -> bool:
    return normalise_number(text) in CONFIRMED_DIGITS


def confirmed_number(text: str) -> ConfirmedNumber | None:
    digits = normalise_number(text)
    return next((n for n in CONFIRMED_NUMBERS if n.digits == digits), None)


def unconfirmed_number(text: str) -> UnconfirmedNumber | None:
    digits = normalise_number(text)
    return next((n for n in UNCONFIRMED_NUMBERS if n.digits == digits), None)


def is_allowed_url(url: str) -> bool:
    """True for a listed http(s) URL, or for a bare domain ("talktofrank.com") of a listed source."""
    url = url.strip()
    if re.match(r"(?i)https?://", url):
        return _url_key(url) in _ALLOWED_URL_KEYS
    host, _, rest = url.partition("/")
    return not rest.strip("/") and _bare_host(host) in ALLOWED_DOMAINS


def source_ids_for_url(url: str) -> tuple[str, ...]:
    """The brief ids whose source lives at this URL (exact URL match)."""
    key = _url_key(url)
    return tuple(dict.fromkeys(s.source_id for s in ALLOWED_SOURCES if s.url and _url_key(s.url) == key))
