"""The venue table: real booktitle/journal strings as BibTeX exports write them → the label posts show.

The strings are public venue names in the spellings DBLP, the ACL Anthology, IEEE Xplore, the ACM
DL, Springer, PMLR, Google Scholar, Zotero and al-folio files use.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.compose import default_hashtags
from bot.config import ConfigError, load_config
from bot.models import VenueEvent
from bot.venues import (
    ParsedVenue,
    VenueTable,
    VenueTableError,
    canonical_series,
    get_default_table,
    hashtags_for,
    identify_container,
    is_event_key,
    parse_venue,
    set_default_table,
    table_from_config,
    venue_key,
)

TABLE = VenueTable.default()


@pytest.fixture(autouse=True)
def _builtin_table():
    set_default_table(None)
    yield
    set_default_table(None)


def label(p: ParsedVenue) -> str:
    assert p.year is not None
    return VenueEvent(p.series, p.year, p.track, p.workshop, p.workshop_name, p.presentation).label


# (booktitle or journal as exported, the entry's year, expected label)
CONTAINERS = [
    # --- machine learning
    ("Advances in Neural Information Processing Systems", 2024, "NeurIPS 2024"),
    ("Advances in Neural Information Processing Systems 35", 2022, "NeurIPS 2022"),
    (
        "Advances in Neural Information Processing Systems 36: Annual Conference on Neural Information Processing"
        " Systems 2023, NeurIPS 2023, New Orleans, LA, USA, December 10 - 16, 2023",
        2023,
        "NeurIPS 2023",
    ),
    ("Thirty-Seventh Conference on Neural Information Processing Systems", 2023, "NeurIPS 2023"),
    ("Thirty-seventh Conference on Neural Information Processing Systems", 2023, "NeurIPS 2023"),
    ("Advances in Neural Information Processing Systems 30 (NIPS 2017)", 2017, "NeurIPS 2017"),
    ("NeurIPS", 2021, "NeurIPS 2021"),
    ("Proceedings of the 40th International Conference on Machine Learning", 2023, "ICML 2023"),
    ("Proceedings of the 41st International Conference on Machine Learning", 2024, "ICML 2024"),
    (
        "International Conference on Machine Learning, ICML 2023, 23-29 July 2023, Honolulu, Hawaii, USA",
        2023,
        "ICML 2023",
    ),
    ("International Conference on Machine Learning", 2020, "ICML 2020"),
    ("Proceedings of the 40th International Conference on Machine Learning (PMLR)", 2023, "ICML 2023"),
    (
        "Proceedings of Machine Learning Research, Volume 202: International Conference on Machine Learning",
        2023,
        "ICML 2023",
    ),
    ("The Twelfth International Conference on Learning Representations", 2024, "ICLR 2024"),
    (
        "The Eleventh International Conference on Learning Representations, ICLR 2023, Kigali, Rwanda, May 1-5, 2023",
        2023,
        "ICLR 2023",
    ),
    (
        "9th International Conference on Learning Representations, ICLR 2021, Virtual Event, Austria, May 3-7, 2021",
        2021,
        "ICLR 2021",
    ),
    ("International Conference on Learning Representations", 2022, "ICLR 2022"),
    (
        "Proceedings of The 27th International Conference on Artificial Intelligence and Statistics",
        2024,
        "AISTATS 2024",
    ),
    ("International Conference on Artificial Intelligence and Statistics (AISTATS)", 2025, "AISTATS 2025"),
    ("Proceedings of the Thirty-Ninth Conference on Uncertainty in Artificial Intelligence", 2023, "UAI 2023"),
    ("Uncertainty in Artificial Intelligence", 2022, "UAI 2022"),
    ("Proceedings of Thirty Sixth Conference on Learning Theory", 2023, "COLT 2023"),
    ("Proceedings of The 35th International Conference on Algorithmic Learning Theory", 2024, "ALT 2024"),
    ("Asian Conference on Machine Learning", 2023, "ACML 2023"),
    (
        "Machine Learning and Knowledge Discovery in Databases: Research Track - European Conference, ECML PKDD 2023,"
        " Turin, Italy, September 18-22, 2023, Proceedings, Part I",
        2023,
        "ECML-PKDD 2023",
    ),
    ("Joint European Conference on Machine Learning and Knowledge Discovery in Databases", 2022, "ECML-PKDD 2022"),
    ("2023 International Conference on Machine Learning and Applications (ICMLA)", 2023, "ICMLA 2023"),
    ("2022 International Joint Conference on Neural Networks (IJCNN)", 2022, "IJCNN 2022"),
    ("Artificial Neural Networks and Machine Learning – ICANN 2023", 2023, "ICANN 2023"),
    ("Proceedings of the 8th Machine Learning for Healthcare Conference", 2023, "MLHC 2023"),
    ("Conference on Health, Inference, and Learning", 2024, "CHIL 2024"),
    ("Machine Learning for Health (ML4H)", 2023, "ML4H 2023"),
    ("Proceedings of the Sixth Conference on Machine Learning and Systems", 2023, "MLSys 2023"),
    ("Conference on Lifelong Learning Agents", 2022, "CoLLAs 2022"),
    ("Learning on Graphs Conference", 2022, "LoG 2022"),
    ("Proceedings of the 5th Annual Learning for Dynamics and Control Conference", 2023, "L4DC 2023"),
    ("Proceedings of The 7th Conference on Robot Learning", 2023, "CoRL 2023"),
    ("Conference on Robot Learning", 2024, "CoRL 2024"),
    ("Journal of Machine Learning Research", 2024, "JMLR 2024"),
    ("J. Mach. Learn. Res.", 2023, "JMLR 2023"),
    ("The Journal of Machine Learning Research", 2022, "JMLR 2022"),
    ("Transactions on Machine Learning Research", 2024, "TMLR 2024"),
    ("Trans. Mach. Learn. Res.", 2024, "TMLR 2024"),
    ("tmlr", 2024, "TMLR 2024"),
    ("Machine Learning", 2023, "Machine Learning 2023"),
    ("Mach. Learn.", 2023, "Machine Learning 2023"),
    ("Neural Networks", 2023, "Neural Networks 2023"),
    (
        "Neural Networks : the official journal of the International Neural Network Society",
        2023,
        "Neural Networks 2023",
    ),
    ("Neural Computation", 2022, "Neural Computation 2022"),
    ("Neurocomputing", 2023, "Neurocomputing 2023"),
    ("IEEE Transactions on Neural Networks and Learning Systems", 2023, "TNNLS 2023"),
    ("IEEE Trans. Neural Networks Learn. Syst.", 2023, "TNNLS 2023"),
    ("Neural Computing and Applications", 2023, "Neural Computing and Applications 2023"),
    ("Machine Learning: Science and Technology", 2023, "Machine Learning: Science and Technology 2023"),
    # --- natural language processing
    (
        "Proceedings of the 61st Annual Meeting of the Association for Computational Linguistics"
        " (Volume 1: Long Papers)",
        2023,
        "ACL 2023",
    ),
    (
        "Proceedings of the 62nd Annual Meeting of the Association for Computational Linguistics"
        " (Volume 2: Short Papers)",
        2024,
        "ACL 2024",
    ),
    (
        "Proceedings of the 59th Annual Meeting of the Association for Computational Linguistics and the 11th"
        " International Joint Conference on Natural Language Processing (Volume 1: Long Papers)",
        2021,
        "ACL 2021",
    ),
    ("Proceedings of the 58th Annual Meeting of the Association for Computational Linguistics", 2020, "ACL 2020"),
    (
        "Proceedings of the 61st Annual Meeting of the Association for Computational Linguistics"
        " (Volume 3: System Demonstrations)",
        2023,
        "ACL 2023 Demo Track",
    ),
    (
        "Proceedings of the 60th Annual Meeting of the Association for Computational Linguistics:"
        " Student Research Workshop",
        2022,
        "SRW @ ACL 2022",
    ),
    (
        "Proceedings of the 61st Annual Meeting of the Association for Computational Linguistics"
        " (Volume 4: Student Research Workshop)",
        2023,
        "SRW @ ACL 2023",
    ),
    ("Proceedings of the 2023 Conference on Empirical Methods in Natural Language Processing", 2023, "EMNLP 2023"),
    ("Proceedings of the 2022 Conference on Empirical Methods in Natural Language Processing", 2022, "EMNLP 2022"),
    (
        "Proceedings of the 2019 Conference on Empirical Methods in Natural Language Processing and the 9th"
        " International Joint Conference on Natural Language Processing (EMNLP-IJCNLP)",
        2019,
        "EMNLP 2019",
    ),
    (
        "Proceedings of the 2022 Conference on Empirical Methods in Natural Language Processing: Industry Track",
        2022,
        "EMNLP 2022 Industry Track",
    ),
    (
        "Proceedings of the 2023 Conference on Empirical Methods in Natural Language Processing: System Demonstrations",
        2023,
        "EMNLP 2023 Demo Track",
    ),
    (
        "Proceedings of the 2024 Conference of the North American Chapter of the Association for Computational"
        " Linguistics: Human Language Technologies (Volume 1: Long Papers)",
        2024,
        "NAACL 2024",
    ),
    (
        "Proceedings of the 2019 Conference of the North American Chapter of the Association for Computational"
        " Linguistics: Human Language Technologies, Volume 1 (Long and Short Papers)",
        2019,
        "NAACL 2019",
    ),
    (
        "Proceedings of the 17th Conference of the European Chapter of the Association for Computational Linguistics",
        2023,
        "EACL 2023",
    ),
    (
        "Proceedings of the 2nd Conference of the Asia-Pacific Chapter of the Association for Computational"
        " Linguistics and the 12th International Joint Conference on Natural Language Processing"
        " (Volume 1: Long Papers)",
        2022,
        "AACL 2022",
    ),
    ("Findings of the Association for Computational Linguistics: EMNLP 2022", 2022, "Findings of EMNLP 2022"),
    ("Findings of the Association for Computational Linguistics: EMNLP 2020", 2020, "Findings of EMNLP 2020"),
    ("Findings of the Association for Computational Linguistics: ACL 2023", 2023, "Findings of ACL 2023"),
    ("Findings of the Association for Computational Linguistics: NAACL 2024", 2024, "Findings of NAACL 2024"),
    ("Findings of the Association for Computational Linguistics: EACL 2024", 2024, "Findings of EACL 2024"),
    ("Findings of the Association for Computational Linguistics ACL-IJCNLP 2021", 2021, "Findings of ACL 2021"),
    ("Findings of the Association for Computational Linguistics: ACL-IJCNLP 2021", 2021, "Findings of ACL 2021"),
    ("Findings of the Association for Computational Linguistics: AACL-IJCNLP 2022", 2022, "Findings of AACL 2022"),
    ("Findings of ACL 2023", 2023, "Findings of ACL 2023"),
    ("Findings of the Association for Computational Linguistics", 2024, "Findings of ACL 2024"),
    ("Proceedings of the 29th International Conference on Computational Linguistics", 2022, "COLING 2022"),
    ("Proceedings of the 28th International Conference on Computational Linguistics", 2020, "COLING 2020"),
    ("Proceedings of the 29th International Conference on Computational Linguistics (COLING)", 2022, "COLING 2022"),
    (
        "Proceedings of the 2024 Joint International Conference on Computational Linguistics, Language Resources and"
        " Evaluation (LREC-COLING 2024)",
        2024,
        "LREC-COLING 2024",
    ),
    ("Proceedings of the Thirteenth Language Resources and Evaluation Conference", 2022, "LREC 2022"),
    ("Proceedings of the Twelfth Language Resources and Evaluation Conference", 2020, "LREC 2020"),
    ("Proceedings of the 27th Conference on Computational Natural Language Learning (CoNLL)", 2023, "CoNLL 2023"),
    ("Proceedings of the 12th Joint Conference on Lexical and Computational Semantics (*SEM 2023)", 2023, "*SEM 2023"),
    ("Proceedings of the 16th International Natural Language Generation Conference", 2023, "INLG 2023"),
    (
        "Proceedings of the 24th Annual Meeting of the Special Interest Group on Discourse and Dialogue",
        2023,
        "SIGDIAL 2023",
    ),
    ("First Conference on Language Modeling", 2024, "COLM 2024"),
    (
        "Proceedings of the 24th Annual Conference of the European Association for Machine Translation",
        2023,
        "EAMT 2023",
    ),
    ("Proceedings of the Eighth Conference on Machine Translation", 2023, "WMT 2023"),
    ("Proceedings of the Seventh Conference on Machine Translation (WMT)", 2022, "WMT 2022"),
    ("Proceedings of the 17th International Workshop on Semantic Evaluation (SemEval-2023)", 2023, "SemEval 2023"),
    ("Proceedings of the 8th Workshop on Representation Learning for NLP (RepL4NLP 2023)", 2023, "RepL4NLP @ ACL 2023"),
    ("Proceedings of the 8th Workshop on Representation Learning for NLP (RepL4NLP-2023)", 2023, "RepL4NLP @ ACL 2023"),
    (
        "Proceedings of the 6th BlackboxNLP Workshop: Analyzing and Interpreting Neural Networks for NLP",
        2023,
        "BlackboxNLP 2023",
    ),
    ("Proceedings of the 5th Clinical Natural Language Processing Workshop", 2023, "ClinicalNLP 2023"),
    (
        "The 22nd Workshop on Biomedical Natural Language Processing and BioNLP Shared Tasks",
        2023,
        "BioNLP 2023",
    ),
    ("Proceedings of the Natural Legal Language Processing Workshop 2023", 2023, "NLLP 2023"),
    (
        "Proceedings of the 4th Workshop on Gender Bias in Natural Language Processing (GeBNLP)",
        2022,
        "GeBNLP 2022",
    ),
    ("Proceedings of the 7th Workshop on Online Abuse and Harms (WOAH)", 2023, "WOAH 2023"),
    (
        "Proceedings of the 13th Workshop on Computational Approaches to Subjectivity, Sentiment, & Social Media"
        " Analysis",
        2023,
        "WASSA 2023",
    ),
    ("Proceedings of the 10th Workshop on Argument Mining", 2023, "ArgMining 2023"),
    ("Transactions of the Association for Computational Linguistics", 2023, "TACL 2023"),
    ("Trans. Assoc. Comput. Linguistics", 2023, "TACL 2023"),
    ("Computational Linguistics", 2023, "Computational Linguistics 2023"),
    ("Natural Language Engineering", 2023, "Natural Language Engineering 2023"),
    ("Language Resources and Evaluation", 2023, "Language Resources and Evaluation 2023"),
    # --- computer vision and medical imaging
    (
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
        2023,
        "CVPR 2023",
    ),
    ("2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", 2022, "CVPR 2022"),
    (
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition, CVPR 2023, Vancouver, BC, Canada,"
        " June 17-24, 2023",
        2023,
        "CVPR 2023",
    ),
    ("Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition", 2024, "CVPR 2024"),
    ("Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition", 2016, "CVPR 2016"),
    ("Proceedings of the IEEE/CVF International Conference on Computer Vision (ICCV)", 2023, "ICCV 2023"),
    ("2021 IEEE/CVF International Conference on Computer Vision (ICCV)", 2021, "ICCV 2021"),
    ("Computer Vision – ECCV 2022", 2023, "ECCV 2022"),
    ("Computer Vision -- ECCV 2024", 2024, "ECCV 2024"),
    ("European Conference on Computer Vision", 2024, "ECCV 2024"),
    (
        "Computer Vision -- ECCV 2022: 17th European Conference, Tel Aviv, Israel, October 23--27, 2022,"
        " Proceedings, Part XII",
        2022,
        "ECCV 2022",
    ),
    (
        "Proceedings of the IEEE/CVF Winter Conference on Applications of Computer Vision (WACV)",
        2024,
        "WACV 2024",
    ),
    ("2023 IEEE/CVF Winter Conference on Applications of Computer Vision (WACV)", 2023, "WACV 2023"),
    ("34th British Machine Vision Conference 2023, BMVC 2023, Aberdeen, UK, November 20-24, 2023", 2023, "BMVC 2023"),
    ("Proceedings of the Asian Conference on Computer Vision (ACCV)", 2022, "ACCV 2022"),
    ("2024 International Conference on 3D Vision (3DV)", 2024, "3DV 2024"),
    ("2022 26th International Conference on Pattern Recognition (ICPR)", 2022, "ICPR 2022"),
    ("DAGM German Conference on Pattern Recognition", 2023, "GCPR 2023"),
    ("2023 IEEE International Conference on Image Processing (ICIP)", 2023, "ICIP 2023"),
    ("2023 IEEE International Conference on Multimedia and Expo (ICME)", 2023, "ICME 2023"),
    ("Proceedings of the 31st ACM International Conference on Multimedia", 2023, "ACM MM 2023"),
    ("Proceedings of the 2023 ACM International Conference on Multimedia Retrieval", 2023, "ICMR 2023"),
    ("Medical Image Computing and Computer Assisted Intervention -- MICCAI 2023", 2023, "MICCAI 2023"),
    (
        "International Conference on Medical Image Computing and Computer-Assisted Intervention",
        2022,
        "MICCAI 2022",
    ),
    ("Medical Imaging with Deep Learning", 2023, "MIDL 2023"),
    ("2023 IEEE 20th International Symposium on Biomedical Imaging (ISBI)", 2023, "ISBI 2023"),
    ("Information Processing in Medical Imaging", 2023, "IPMI 2023"),
    ("Medical Imaging 2023: Image Processing", 2023, "SPIE Medical Imaging 2023"),
    ("IEEE Transactions on Pattern Analysis and Machine Intelligence", 2023, "TPAMI 2023"),
    ("IEEE Trans. Pattern Anal. Mach. Intell.", 2023, "TPAMI 2023"),
    ("International Journal of Computer Vision", 2023, "IJCV 2023"),
    ("IEEE Transactions on Image Processing", 2023, "TIP 2023"),
    ("Computer Vision and Image Understanding", 2023, "Computer Vision and Image Understanding 2023"),
    ("Pattern Recognition", 2024, "Pattern Recognition 2024"),
    ("Pattern Recognition Letters", 2023, "Pattern Recognition Letters 2023"),
    ("Medical Image Analysis", 2023, "Medical Image Analysis 2023"),
    ("IEEE Transactions on Medical Imaging", 2023, "TMI 2023"),
    # --- workshops of a conference (no workshop named)
    (
        "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR) Workshops",
        2023,
        "CVPR 2023 Workshops",
    ),
    (
        "2023 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)",
        2023,
        "CVPR 2023 Workshops",
    ),
    ("IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)", 2021, "CVPR 2021 Workshops"),
    ("Proc. of CVPR - Workshops 2020", 2020, "CVPR 2020 Workshops"),
    (
        "Proceedings of the IEEE/CVF International Conference on Computer Vision (ICCV) Workshops",
        2023,
        "ICCV 2023 Workshops",
    ),
    ("2021 IEEE/CVF International Conference on Computer Vision Workshops (ICCVW)", 2021, "ICCV 2021 Workshops"),
    ("Computer Vision – ECCV 2022 Workshops", 2023, "ECCV 2022 Workshops"),
    (
        "Proceedings of the IEEE/CVF Winter Conference on Applications of Computer Vision (WACV) Workshops",
        2024,
        "WACV 2024 Workshops",
    ),
    (
        "2023 IEEE International Conference on Acoustics, Speech, and Signal Processing Workshops (ICASSPW)",
        2023,
        "ICASSP 2023 Workshops",
    ),
    ("2022 IEEE International Conference on Data Mining Workshops (ICDMW)", 2022, "ICDM 2022 Workshops"),
    ("2023 IEEE Security and Privacy Workshops (SPW)", 2023, "S&P 2023 Workshops"),
    # --- named workshops at a conference
    (
        "NeurIPS 2024 Workshop on Causal Representation Learning in the Wild",
        2024,
        "Workshop on Causal Representation Learning in the Wild @ NeurIPS 2024",
    ),
    (
        "Workshop on Machine Learning for Audio at NeurIPS 2023",
        2023,
        "Workshop on Machine Learning for Audio @ NeurIPS 2023",
    ),
    (
        "ICLR 2024 Workshop on Navigating and Addressing Data Problems for Foundation Models",
        2024,
        "Workshop on Navigating and Addressing Data Problems for Foundation Models @ ICLR 2024",
    ),
    (
        "Causal Representation Learning Workshop at NeurIPS 2023",
        2023,
        "Causal Representation Learning Workshop @ NeurIPS 2023",
    ),
    ("ES-FoMo @ ICML 2024", 2024, "ES-FoMo @ ICML 2024"),
    ("Proceedings of the 16th ACM Workshop on Artificial Intelligence and Security", 2023, "AISec @ CCS 2023"),
    # --- speech, audio and signal processing
    ("Proc. Interspeech 2021", 2021, "Interspeech 2021"),
    ("PROC. INTERSPEECH 2023", 2023, "Interspeech 2023"),
    ("Proc. of Interspeech 2021", 2021, "Interspeech 2021"),
    ("Interspeech 2022", 2022, "Interspeech 2022"),
    (
        "23rd Annual Conference of the International Speech Communication Association, Interspeech 2022, Incheon,"
        " Korea, September 18-22, 2022",
        2022,
        "Interspeech 2022",
    ),
    (
        "INTERSPEECH 2021 – 22nd Annual Conference of the International Speech Communication Association",
        2021,
        "Interspeech 2021",
    ),
    (
        "ICASSP 2023 - 2023 IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)",
        2023,
        "ICASSP 2023",
    ),
    ("2020 IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)", 2020, "ICASSP 2020"),
    ("2023 IEEE Automatic Speech Recognition and Understanding Workshop (ASRU)", 2023, "ASRU 2023"),
    ("2022 IEEE Spoken Language Technology Workshop (SLT)", 2023, "SLT 2022"),
    ("Proceedings of the 24th International Society for Music Information Retrieval Conference", 2023, "ISMIR 2023"),
    ("2023 IEEE Workshop on Applications of Signal Processing to Audio and Acoustics (WASPAA)", 2023, "WASPAA 2023"),
    ("Proc. 12th ISCA Speech Synthesis Workshop (SSW2023)", 2023, "SSW 2023"),
    ("Proc. The Speaker and Language Recognition Workshop (Odyssey 2024)", 2024, "Odyssey 2024"),
    ("2023 31st European Signal Processing Conference (EUSIPCO)", 2023, "EUSIPCO 2023"),
    ("IEEE/ACM Transactions on Audio, Speech, and Language Processing", 2020, "TASLP 2020"),
    ("IEEE Signal Processing Letters", 2020, "IEEE Signal Processing Letters 2020"),
    ("Speech Communication", 2023, "Speech Communication 2023"),
    ("Computer Speech & Language", 2023, "Computer Speech & Language 2023"),
    ("The Journal of the Acoustical Society of America", 2023, "Journal of the Acoustical Society of America 2023"),
    # --- robotics and control
    ("2023 IEEE International Conference on Robotics and Automation (ICRA)", 2023, "ICRA 2023"),
    (
        "IEEE International Conference on Robotics and Automation, ICRA 2023, London, UK, May 29 - June 2, 2023",
        2023,
        "ICRA 2023",
    ),
    ("2022 IEEE/RSJ International Conference on Intelligent Robots and Systems (IROS)", 2022, "IROS 2022"),
    ("Robotics: Science and Systems XIX", 2023, "RSS 2023"),
    ("Robotics: Science and Systems", 2024, "RSS 2024"),
    ("2023 IEEE-RAS 22nd International Conference on Humanoid Robots (Humanoids)", 2023, "Humanoids 2023"),
    ("Proceedings of the 2023 ACM/IEEE International Conference on Human-Robot Interaction", 2023, "HRI 2023"),
    (
        "2023 32nd IEEE International Conference on Robot and Human Interactive Communication (RO-MAN)",
        2023,
        "RO-MAN 2023",
    ),
    ("IEEE Robotics and Automation Letters", 2024, "RA-L 2024"),
    ("IEEE Transactions on Robotics", 2023, "T-RO 2023"),
    ("The International Journal of Robotics Research", 2023, "IJRR 2023"),
    ("Science Robotics", 2023, "Science Robotics 2023"),
    ("Autonomous Robots", 2023, "Autonomous Robots 2023"),
    ("2023 62nd IEEE Conference on Decision and Control (CDC)", 2023, "CDC 2023"),
    ("2023 American Control Conference (ACC)", 2023, "ACC 2023"),
    # --- data mining, information retrieval, web, databases
    ("Proceedings of the 29th ACM SIGKDD Conference on Knowledge Discovery and Data Mining", 2023, "KDD 2023"),
    (
        "KDD '22: The 28th ACM SIGKDD Conference on Knowledge Discovery and Data Mining, Washington, DC, USA,"
        " August 14 - 18, 2022",
        2022,
        "KDD 2022",
    ),
    (
        "Proceedings of the 26th ACM SIGKDD International Conference on Knowledge Discovery & Data Mining",
        2020,
        "KDD 2020",
    ),
    ("Proceedings of the ACM Web Conference 2023", 2023, "WWW 2023"),
    ("Proceedings of the Web Conference 2021", 2021, "WWW 2021"),
    ("Companion Proceedings of the ACM Web Conference 2023", 2023, "WWW Companion 2023"),
    ("The World Wide Web Conference", 2019, "WWW 2019"),
    (
        "Proceedings of the 46th International ACM SIGIR Conference on Research and Development in Information"
        " Retrieval",
        2023,
        "SIGIR 2023",
    ),
    ("Proceedings of the Sixteenth ACM International Conference on Web Search and Data Mining", 2023, "WSDM 2023"),
    ("Proceedings of the 32nd ACM International Conference on Information and Knowledge Management", 2023, "CIKM 2023"),
    ("2023 IEEE International Conference on Data Mining (ICDM)", 2023, "ICDM 2023"),
    ("Proceedings of the 2023 SIAM International Conference on Data Mining (SDM)", 2023, "SDM 2023"),
    ("Proceedings of the 17th ACM Conference on Recommender Systems", 2023, "RecSys 2023"),
    (
        "Advances in Information Retrieval: 45th European Conference on Information Retrieval, ECIR 2023, Dublin,"
        " Ireland, April 2–6, 2023, Proceedings, Part I",
        2023,
        "ECIR 2023",
    ),
    ("Proceedings of the International AAAI Conference on Web and Social Media", 2023, "ICWSM 2023"),
    ("Advances in Knowledge Discovery and Data Mining: 27th Pacific-Asia Conference, PAKDD 2023", 2023, "PAKDD 2023"),
    ("2023 IEEE 39th International Conference on Data Engineering (ICDE)", 2023, "ICDE 2023"),
    ("Proceedings of the VLDB Endowment", 2023, "VLDB 2023"),
    ("Proc. VLDB Endow.", 2023, "VLDB 2023"),
    ("IEEE Transactions on Knowledge and Data Engineering", 2023, "TKDE 2023"),
    ("Data Mining and Knowledge Discovery", 2024, "Data Mining and Knowledge Discovery 2024"),
    ("Data Min Knowl Disc", 2024, "Data Mining and Knowledge Discovery 2024"),
    ("ACM Transactions on Information Systems", 2023, "TOIS 2023"),
    ("Knowledge and Information Systems", 2023, "Knowledge and Information Systems 2023"),
    # --- human-computer interaction
    ("Proceedings of the 2023 CHI Conference on Human Factors in Computing Systems", 2023, "CHI 2023"),
    ("Proceedings of the CHI Conference on Human Factors in Computing Systems", 2024, "CHI 2024"),
    ("Extended Abstracts of the 2023 CHI Conference on Human Factors in Computing Systems", 2023, "CHI EA 2023"),
    ("Proceedings of the 36th Annual ACM Symposium on User Interface Software and Technology", 2023, "UIST 2023"),
    ("Proceedings of the ACM on Human-Computer Interaction", 2023, "PACMHCI 2023"),
    ("Proc. ACM Hum.-Comput. Interact.", 2023, "PACMHCI 2023"),
    ("Proceedings of the ACM on Interactive, Mobile, Wearable and Ubiquitous Technologies", 2023, "UbiComp 2023"),
    ("Proceedings of the 28th International Conference on Intelligent User Interfaces", 2023, "IUI 2023"),
    ("Proceedings of the 2023 ACM Designing Interactive Systems Conference", 2023, "DIS 2023"),
    (
        "Companion Publication of the 2023 Conference on Computer Supported Cooperative Work and Social Computing",
        2023,
        "CSCW Companion 2023",
    ),
    ("ACM Transactions on Computer-Human Interaction", 2023, "TOCHI 2023"),
    ("International Journal of Human-Computer Studies", 2023, "International Journal of Human-Computer Studies 2023"),
    ("Computers in Human Behavior", 2023, "Computers in Human Behavior 2023"),
    # --- security and privacy
    ("32nd USENIX Security Symposium (USENIX Security 23)", 2023, "USENIX Security 2023"),
    (
        "Proceedings of the 2023 ACM SIGSAC Conference on Computer and Communications Security",
        2023,
        "CCS 2023",
    ),
    ("2023 IEEE Symposium on Security and Privacy (SP)", 2023, "S&P 2023"),
    ("2023 IEEE 8th European Symposium on Security and Privacy (EuroS&P)", 2023, "EuroS&P 2023"),
    ("30th Annual Network and Distributed System Security Symposium, NDSS 2023", 2023, "NDSS 2023"),
    ("Proceedings on Privacy Enhancing Technologies", 2023, "PETS 2023"),
    ("2024 IEEE Conference on Secure and Trustworthy Machine Learning (SaTML)", 2024, "SaTML 2024"),
    ("IEEE Transactions on Information Forensics and Security", 2023, "TIFS 2023"),
    ("Computers & Security", 2023, "Computers & Security 2023"),
    # --- bioinformatics
    ("Bioinformatics", 2023, "Bioinformatics 2023"),
    ("Bioinformatics (Oxford, England)", 2023, "Bioinformatics 2023"),
    ("Nucleic Acids Research", 2023, "Nucleic Acids Research 2023"),
    ("PLoS Computational Biology", 2023, "PLOS Computational Biology 2023"),
    ("BMC Bioinformatics", 2023, "BMC Bioinformatics 2023"),
    ("Briefings in Bioinformatics", 2023, "Briefings in Bioinformatics 2023"),
    ("Nature Methods", 2023, "Nature Methods 2023"),
    ("Research in Computational Molecular Biology", 2023, "RECOMB 2023"),
    ("Pacific Symposium on Biocomputing 2023", 2023, "PSB 2023"),
    (
        "Proceedings of the 14th ACM International Conference on Bioinformatics, Computational Biology, and Health"
        " Informatics",
        2023,
        "ACM-BCB 2023",
    ),
    ("2023 IEEE International Conference on Bioinformatics and Biomedicine (BIBM)", 2023, "BIBM 2023"),
    # --- artificial intelligence
    ("Proceedings of the AAAI Conference on Artificial Intelligence", 2024, "AAAI 2024"),
    (
        "Thirty-Seventh AAAI Conference on Artificial Intelligence, AAAI 2023, Thirty-Fifth Conference on"
        " Innovative Applications of Artificial Intelligence, IAAI 2023",
        2023,
        "AAAI 2023",
    ),
    ("Proceedings of the Thirty-Second International Joint Conference on Artificial Intelligence", 2023, "IJCAI 2023"),
    (
        "Proceedings of the Thirty-First International Joint Conference on Artificial Intelligence, IJCAI-22",
        2022,
        "IJCAI 2022",
    ),
    ("ECAI 2023 - 26th European Conference on Artificial Intelligence", 2023, "ECAI 2023"),
    ("Proceedings of the International Conference on Automated Planning and Scheduling", 2023, "ICAPS 2023"),
    (
        "Proceedings of the 22nd International Conference on Autonomous Agents and Multiagent Systems",
        2023,
        "AAMAS 2023",
    ),
    ("Proceedings of the Genetic and Evolutionary Computation Conference", 2023, "GECCO 2023"),
    ("Proceedings of the 2023 ACM Conference on Fairness, Accountability, and Transparency", 2023, "FAccT 2023"),
    ("Proceedings of the 2023 AAAI/ACM Conference on AI, Ethics, and Society", 2023, "AIES 2023"),
    ("Artificial Intelligence", 2023, "Artificial Intelligence 2023"),
    ("Journal of Artificial Intelligence Research", 2023, "JAIR 2023"),
    ("Expert Systems with Applications", 2023, "Expert Systems with Applications 2023"),
    ("Knowledge-Based Systems", 2023, "Knowledge-Based Systems 2023"),
    # --- systems, software engineering, theory, graphics
    ("17th USENIX Symposium on Operating Systems Design and Implementation (OSDI 23)", 2023, "OSDI 2023"),
    ("Proceedings of the 29th Symposium on Operating Systems Principles", 2023, "SOSP 2023"),
    ("Proceedings of the Eighteenth European Conference on Computer Systems", 2023, "EuroSys 2023"),
    ("2023 IEEE/ACM 45th International Conference on Software Engineering (ICSE)", 2023, "ICSE 2023"),
    (
        "Proceedings of the 31st ACM Joint European Software Engineering Conference and Symposium on the Foundations"
        " of Software Engineering",
        2023,
        "FSE 2023",
    ),
    ("Proceedings of the 55th Annual ACM Symposium on Theory of Computing", 2023, "STOC 2023"),
    ("2023 IEEE 64th Annual Symposium on Foundations of Computer Science (FOCS)", 2023, "FOCS 2023"),
    ("Proceedings of the 2023 Annual ACM-SIAM Symposium on Discrete Algorithms (SODA)", 2023, "SODA 2023"),
    ("ACM Transactions on Graphics", 2023, "TOG 2023"),
    ("Computer Graphics Forum", 2023, "Computer Graphics Forum 2023"),
    ("SIGGRAPH Asia 2023 Conference Papers", 2023, "SIGGRAPH Asia 2023"),
    ("ACM SIGGRAPH 2023 Conference Proceedings", 2023, "SIGGRAPH 2023"),
    ("IEEE Transactions on Visualization and Computer Graphics", 2023, "TVCG 2023"),
    # --- general science, neuroscience, medicine
    ("Nature", 2023, "Nature 2023"),
    ("Science", 2023, "Science 2023"),
    ("Cell", 2023, "Cell 2023"),
    ("Nature Communications", 2023, "Nature Communications 2023"),
    ("Nat Commun", 2024, "Nature Communications 2024"),
    ("Nat. Commun.", 2024, "Nature Communications 2024"),
    ("Nature Machine Intelligence", 2023, "Nature Machine Intelligence 2023"),
    ("Proceedings of the National Academy of Sciences", 2023, "PNAS 2023"),
    ("Proceedings of the National Academy of Sciences of the United States of America", 2023, "PNAS 2023"),
    ("Proc Natl Acad Sci U S A", 2023, "PNAS 2023"),
    ("Science Advances", 2023, "Science Advances 2023"),
    ("Scientific Reports", 2023, "Scientific Reports 2023"),
    ("Sci Rep", 2023, "Scientific Reports 2023"),
    ("PLoS ONE", 2023, "PLOS ONE 2023"),
    ("eLife", 2023, "eLife 2023"),
    ("IEEE Access", 2023, "IEEE Access 2023"),
    ("Sensors (Basel, Switzerland)", 2023, "Sensors 2023"),
    ("eNeuro", 2021, "eNeuro 2021"),
    ("eneuro", 2021, "eNeuro 2021"),
    ("NeuroImage", 2023, "NeuroImage 2023"),
    ("The Journal of Neuroscience", 2023, "Journal of Neuroscience 2023"),
    ("J Neurosci", 2023, "Journal of Neuroscience 2023"),
    (
        "Journal of Neuroscience : the official journal of the Society for Neuroscience",
        2023,
        "Journal of Neuroscience 2023",
    ),
    ("Neuron", 2023, "Neuron 2023"),
    ("Psychopharmacology (Berl)", 2021, "Psychopharmacology 2021"),
    ("Journal of Psychopharmacology (Oxford, England)", 2021, "Journal of Psychopharmacology 2021"),
    ("Cerebral Cortex (New York, N.Y. : 1991)", 2023, "Cerebral Cortex 2023"),
    ("Current Biology", 2023, "Current Biology 2023"),
    ("Proceedings of the Annual Meeting of the Cognitive Science Society", 2023, "CogSci 2023"),
    ("The Lancet Digital Health", 2023, "Lancet Digital Health 2023"),
    ("New England Journal of Medicine", 2023, "NEJM 2023"),
    ("npj Digital Medicine", 2023, "npj Digital Medicine 2023"),
    ("Radiology: Artificial Intelligence", 2023, "Radiology: Artificial Intelligence 2023"),
    ("Journal of the American Medical Informatics Association : JAMIA", 2023, "JAMIA 2023"),
    ("AMIA Annual Symposium Proceedings", 2023, "AMIA 2023"),
    ("AMIA Annu Symp Proc", 2023, "AMIA 2023"),
    ("IEEE Journal of Biomedical and Health Informatics", 2023, "JBHI 2023"),
    ("Communications of the ACM", 2022, "Communications of the ACM 2022"),
    ("ACM Computing Surveys", 2023, "ACM Computing Surveys 2023"),
    # --- networking, mobile and ubiquitous computing, IoT, systems (added after the real-file trial)
    (
        "2008 5th Annual IEEE Communications Society Conference on Sensor, Mesh and Ad Hoc Communications and Networks",
        2008,
        "SECON 2008",
    ),
    (
        "2019 16th Annual IEEE International Conference on Sensing, Communication, and Networking (SECON)",
        2019,
        "SECON 2019",
    ),
    ("2021 IEEE 29th International Conference on Network Protocols (ICNP)", 2021, "ICNP 2021"),
    ("2009 IEEE 17th International Conference on Network Protocols", 2009, "ICNP 2009"),
    (
        "Proceedings of the 20th EAI International Conference on Mobile and Ubiquitous Systems: Computing, Networking"
        " and Services",
        2023,
        "MobiQuitous 2023",
    ),
    (
        "2006 Third Annual International Conference on Mobile and Ubiquitous Systems: Networking & Services",
        2006,
        "MobiQuitous 2006",
    ),
    (
        "Mobile and Ubiquitous Systems: Computing, Networking and Services - 18th EAI International Conference,"
        " MobiQuitous 2021, Virtual Event, November 8-11, 2021, Proceedings",
        2021,
        "MobiQuitous 2021",
    ),
    (
        "2006 Third Annual International Conference on Mobile and Ubiquitous Systems - Workshops",
        2006,
        "MobiQuitous 2006 Workshops",
    ),
    (
        "Adjunct Proceedings of the 13th International Conference on Mobile and Ubiquitous Systems: Computing"
        " Networking and Services",
        2016,
        "MobiQuitous 2016 Companion",
    ),
    ("2023 IEEE International Conference on Big Data (BigData)", 2023, "IEEE BigData 2023"),
    ("2019 IEEE International Conference on Big Data (Big Data)", 2019, "IEEE BigData 2019"),
    (
        "IEEE International Conference on Big Data, BigData 2023, Sorrento, Italy, December 15-18, 2023",
        2023,
        "IEEE BigData 2023",
    ),
    ("2018 IEEE International Congress on Big Data (BigData Congress)", 2018, "BigData Congress 2018"),
    (
        "Proceedings of the 10th ACM International Conference on Systems for Energy-Efficient Buildings, Cities, and"
        " Transportation",
        2023,
        "BuildSys 2023",
    ),
    (
        "Proceedings of the 4th ACM International Conference on Systems for Energy-Efficient Built Environments",
        2017,
        "BuildSys 2017",
    ),
    ("Proceedings of the 14th ACM International Conference on Future Energy Systems", 2023, "e-Energy 2023"),
    ("2023 IEEE 66th International Midwest Symposium on Circuits and Systems (MWSCAS)", 2023, "MWSCAS 2023"),
    ("2023 IEEE International Symposium on Circuits and Systems (ISCAS)", 2023, "ISCAS 2023"),
    ("IEEE Transactions on Circuits and Systems I: Regular Papers", 2023, "TCAS-I 2023"),
    ("IEEE Transactions on Circuits and Systems II: Express Briefs", 2023, "TCAS-II 2023"),
    (
        "Proceedings of the 2023 ACM Conference on International Computing Education Research - Volume 1",
        2023,
        "ICER 2023",
    ),
    ("Proceedings of the 2022 International Conference on Embedded Wireless Systems and Networks", 2022, "EWSN 2022"),
    ("Proceedings of the 8th ACM/IEEE Conference on Internet of Things Design and Implementation", 2023, "IoTDI 2023"),
    (
        "Proceedings of the 2018 IEEE/ACM Third International Conference on Internet-of-Things Design and"
        " Implementation",
        2018,
        "IoTDI 2018",
    ),
    (
        "Proceedings of the 24th International Workshop on Mobile Computing Systems and Applications",
        2023,
        "HotMobile 2023",
    ),
    (
        "Proceedings of the Twenty-Fourth International Symposium on Theory, Algorithmic Foundations, and Protocol"
        " Design for Mobile Networks and Mobile Computing",
        2023,
        "MobiHoc 2023",
    ),
    (
        "Proceedings of the Twentieth ACM International Symposium on Mobile Ad Hoc Networking and Computing",
        2019,
        "MobiHoc 2019",
    ),
    (
        "Proceedings of the 19th International Conference on emerging Networking EXperiments and Technologies",
        2023,
        "CoNEXT 2023",
    ),
    ("Proceedings of the ACM on Networking", 2023, "CoNEXT 2023"),
    ("Proceedings of the 2023 ACM on Internet Measurement Conference", 2023, "IMC 2023"),
    ("Proceedings of the 2023 ACM Internet Measurement Conference", 2023, "IMC 2023"),
    ("Passive and Active Measurement: 24th International Conference, PAM 2023", 2023, "PAM 2023"),
    ("Proceedings of the 21st ACM Workshop on Hot Topics in Networks", 2022, "HotNets 2022"),
    ("Proceedings of the ACM SIGCOMM 2023 Conference", 2023, "SIGCOMM 2023"),
    ("Proceedings of the 2014 ACM conference on SIGCOMM", 2014, "SIGCOMM 2014"),
    (
        "Proceedings of the 2008 conference on Applications, technologies, architectures, and protocols for computer"
        " communication",
        2008,
        "SIGCOMM 2008",
    ),
    ("2023 USENIX Annual Technical Conference (USENIX ATC 23)", 2023, "USENIX ATC 2023"),
    ("20th USENIX Symposium on Networked Systems Design and Implementation (NSDI 23)", 2023, "NSDI 2023"),
    ("Proceedings of the ACM SIGOPS 29th Symposium on Operating Systems Principles", 2023, "SOSP 2023"),
    ("Proceedings of the Nineteenth European Conference on Computer Systems", 2024, "EuroSys 2024"),
    ("21st USENIX Conference on File and Storage Technologies (FAST 23)", 2023, "FAST 2023"),
    ("Proceedings of the 19th Workshop on Hot Topics in Operating Systems", 2023, "HotOS 2023"),
    ("Proceedings of the 24th International Middleware Conference", 2023, "Middleware 2023"),
    ("Proceedings of the 2023 ACM International Symposium on Wearable Computers", 2023, "ISWC Wearables 2023"),
    ("2012 16th International Symposium on Wearable Computers", 2012, "ISWC Wearables 2012"),
    (
        "2023 IEEE International Conference on Pervasive Computing and Communications Workshops and other Affiliated"
        " Events (PerCom Workshops)",
        2023,
        "PerCom 2023 Workshops",
    ),
    (
        "2023 IEEE 24th International Symposium on a World of Wireless, Mobile and Multimedia Networks (WoWMoM)",
        2023,
        "WoWMoM 2023",
    ),
    (
        "2023 19th International Conference on Distributed Computing in Smart Systems and the Internet of Things"
        " (DCOSS-IoT)",
        2023,
        "DCOSS 2023",
    ),
    ("2023 IEEE 43rd International Conference on Distributed Computing Systems (ICDCS)", 2023, "ICDCS 2023"),
    ("2023 IEEE Real-Time Systems Symposium (RTSS)", 2023, "RTSS 2023"),
    ("2023 IEEE 29th Real-Time and Embedded Technology and Applications Symposium (RTAS)", 2023, "RTAS 2023"),
    ("35th Euromicro Conference on Real-Time Systems (ECRTS 2023)", 2023, "ECRTS 2023"),
    (
        "Proceedings of the ACM/IEEE 14th International Conference on Cyber-Physical Systems (with CPS-IoT Week 2023)",
        2023,
        "ICCPS 2023",
    ),
    ("ICC 2023 - IEEE International Conference on Communications", 2023, "ICC 2023"),
    ("2019 IEEE International Conference on Communications (ICC)", 2019, "ICC 2019"),
    ("2023 IEEE International Conference on Communications Workshops (ICC Workshops)", 2023, "ICC 2023 Workshops"),
    ("GLOBECOM 2023 - 2023 IEEE Global Communications Conference", 2023, "GLOBECOM 2023"),
    ("2023 IEEE Wireless Communications and Networking Conference (WCNC)", 2023, "WCNC 2023"),
    ("2023 IEEE 20th International Conference on Mobile Ad Hoc and Smart Systems (MASS)", 2023, "MASS 2023"),
    ("2023 32nd International Conference on Computer Communications and Networks (ICCCN)", 2023, "ICCCN 2023"),
    ("2023 IEEE 48th Conference on Local Computer Networks (LCN)", 2023, "LCN 2023"),
    ("2023 IEEE/ACM 31st International Symposium on Quality of Service (IWQoS)", 2023, "IWQoS 2023"),
    (
        "2023 IEEE International Conference on Communications, Control, and Computing Technologies for Smart Grids"
        " (SmartGridComm)",
        2023,
        "SmartGridComm 2023",
    ),
    (
        "2023 IEEE/ACM 23rd International Symposium on Cluster, Cloud and Internet Computing (CCGrid)",
        2023,
        "CCGrid 2023",
    ),
    (
        "Proceedings of the 28th ACM SIGPLAN Annual Symposium on Principles and Practice of Parallel Programming",
        2023,
        "PPoPP 2023",
    ),
    (
        "Proceedings of the 32nd International Symposium on High-Performance Parallel and Distributed Computing",
        2023,
        "HPDC 2023",
    ),
    ("Proceedings of the 52nd International Conference on Parallel Processing", 2023, "ICPP 2023"),
    (
        "Euro-Par 2023: Parallel Processing: 29th International Conference on Parallel and Distributed Computing",
        2023,
        "Euro-Par 2023",
    ),
    ("2023 IEEE International Symposium on High-Performance Computer Architecture (HPCA)", 2023, "HPCA 2023"),
    ("2023 60th ACM/IEEE Design Automation Conference (DAC)", 2023, "DAC 2023"),
    ("2023 IEEE/ACM International Conference on Computer Aided Design (ICCAD)", 2023, "ICCAD 2023"),
    ("2023 Design, Automation & Test in Europe Conference & Exhibition (DATE)", 2023, "DATE 2023"),
    ("IEEE/ACM Transactions on Networking", 2023, "ToN 2023"),
    ("IEEE Transactions on Mobile Computing", 2023, "TMC 2023"),
    ("IEEE Journal on Selected Areas in Communications", 2023, "JSAC 2023"),
    ("IEEE Transactions on Wireless Communications", 2023, "TWC 2023"),
    ("IEEE Transactions on Communications", 2023, "TCOM 2023"),
    ("IEEE Communications Surveys & Tutorials", 2023, "COMST 2023"),
    ("IEEE Internet of Things Journal", 2023, "IEEE Internet of Things Journal 2023"),
    ("ACM Transactions on Sensor Networks", 2023, "TOSN 2023"),
    ("IEEE Transactions on Parallel and Distributed Systems", 2023, "TPDS 2023"),
    ("IEEE Transactions on Computers", 2023, "IEEE TC 2023"),
    ("ACM Transactions on Embedded Computing Systems", 2023, "TECS 2023"),
    ("Pervasive and Mobile Computing", 2023, "Pervasive and Mobile Computing 2023"),
    ("Personal and Ubiquitous Computing", 2023, "Personal and Ubiquitous Computing 2023"),
    ("IEEE Pervasive Computing", 2023, "IEEE Pervasive Computing 2023"),
    ("Future Generation Computer Systems", 2023, "Future Generation Computer Systems 2023"),
    ("ACM SIGCOMM Computer Communication Review", 2023, "SIGCOMM CCR 2023"),
    ("SIGMOD Record", 2023, "SIGMOD Record 2023"),
    ("ACM SIGKDD Explorations Newsletter", 2023, "SIGKDD Explorations 2023"),
    ("ACM SIGIR Forum", 2023, "SIGIR Forum 2023"),
    ("ACM SIGCSE Bulletin", 2010, "SIGCSE Bulletin 2010"),
    # --- NLP: regional conferences, workshop series, journals
    (
        "Natural Language Processing and Chinese Computing: 12th National CCF Conference, NLPCC 2023, Foshan, China,"
        " October 12–15, 2023, Proceedings, Part I",
        2023,
        "NLPCC 2023",
    ),
    ("CCF International Conference on Natural Language Processing and Chinese Computing", 2022, "NLPCC 2022"),
    ("Proceedings of the 22nd Chinese National Conference on Computational Linguistics", 2023, "CCL 2023"),
    ("Proceedings of the 8th edition of the Swiss Text Analytics Conference", 2023, "SwissText 2023"),
    ("Proceedings of the 19th Conference on Natural Language Processing (KONVENS 2023)", 2023, "KONVENS 2023"),
    ("Actes de la 30e Conférence sur le Traitement Automatique des Langues Naturelles (TALN)", 2023, "TALN 2023"),
    (
        "Proceedings of the 35th Conference on Computational Linguistics and Speech Processing (ROCLING 2023)",
        2023,
        "ROCLING 2023",
    ),
    ("Proceedings of the 21st Annual Workshop of the Australasian Language Technology Association", 2023, "ALTA 2023"),
    (
        "Text, Speech, and Dialogue: 26th International Conference, TSD 2023, Pilsen, Czech Republic, September 4–6,"
        " 2023, Proceedings",
        2023,
        "TSD 2023",
    ),
    (
        "Computational Linguistics and Intelligent Text Processing: 20th International Conference, CICLing 2019",
        2019,
        "CICLing 2019",
    ),
    (
        "Proceedings of the 30th International Conference on Computational Linguistics and Intelligent Text Processing",
        2019,
        "CICLing 2019",
    ),
    (
        "Natural Language Processing and Information Systems: 28th International Conference on Applications of Natural"
        " Language to Information Systems, NLDB 2023",
        2023,
        "NLDB 2023",
    ),
    ("Proceedings of the 15th International Conference on Computational Semantics", 2023, "IWCS 2023"),
    ("Proceedings of the 4th Conference on Language, Data and Knowledge", 2023, "LDK 2023"),
    (
        "Proceedings of the Tenth Workshop on NLP for Similar Languages, Varieties and Dialects (VarDial 2023)",
        2023,
        "VarDial 2023",
    ),
    (
        "Proceedings of the 3rd Workshop on Perspectivist Approaches to NLP (NLPerspectives) @ LREC-COLING 2024",
        2024,
        "NLPerspectives @ LREC-COLING 2024",
    ),
    (
        "Proceedings of the 2nd Workshop on Perspectivist Approaches to NLP co-located with 26th European Conference"
        " on Artificial Intelligence (ECAI 2023)",
        2023,
        "NLPerspectives @ ECAI 2023",
    ),
    ("Proceedings of the 1st Workshop on Understanding Implicit and Underspecified Language", 2021, "UnImplicit 2021"),
    (
        "Proceedings of the 1st Workshop on Ecology, Environment, and Natural Language Processing",
        2025,
        "NLP4Ecology 2025",
    ),
    (
        "Proceedings of the Sixth Workshop on Technologies for Machine Translation of Low-Resource Languages (LoResMT"
        " 2023)",
        2023,
        "LoResMT 2023",
    ),
    ("Proceedings of the 10th Workshop on Asian Translation", 2023, "WAT 2023"),
    ("Proceedings of the Eighth Workshop on Noisy User-generated Text (W-NUT 2022)", 2022, "W-NUT 2022"),
    (
        "Proceedings of the 18th Workshop on Innovative Use of NLP for Building Educational Applications (BEA 2023)",
        2023,
        "BEA 2023",
    ),
    (
        "Proceedings of the Joint Workshop on Multiword Expressions and Universal Dependencies (MWE-UD 2024)",
        2024,
        "MWE 2024",
    ),
    ("Proceedings of the Tenth SIGHAN Workshop on Chinese Language Processing", 2023, "SIGHAN 2023"),
    (
        "Proceedings of the 5th Workshop on Research in Computational Linguistic Typology and Multilingual NLP",
        2023,
        "SIGTYP 2023",
    ),
    (
        "Proceedings of the Sixth Workshop on Computational Models of Reference, Anaphora and Coreference (CRAC 2023)",
        2023,
        "CRAC 2023",
    ),
    (
        "Proceedings of the Third DialDoc Workshop on Document-grounded Dialogue and Conversational Question Answering",
        2023,
        "DialDoc 2023",
    ),
    ("Proceedings of the 5th Workshop on NLP for Conversational AI (NLP4ConvAI 2023)", 2023, "NLP4ConvAI 2023"),
    ("Proceedings of the Third Workshop on Scholarly Document Processing", 2022, "SDP 2022"),
    ("Proceedings of the 1st Workshop on NLP for Positive Impact", 2021, "NLP4PI 2021"),
    (
        "Proceedings of the Third Workshop on Natural Language Processing for Indigenous Languages of the Americas"
        " (AmericasNLP)",
        2023,
        "AmericasNLP 2023",
    ),
    ("Proceedings of the 4th Workshop on Computational Approaches to Historical Language Change", 2023, "LChange 2023"),
    (
        "Proceedings of the 7th Joint SIGHUM Workshop on Computational Linguistics for Cultural Heritage, Social"
        " Sciences, Humanities and Literature",
        2023,
        "LaTeCH-CLfL 2023",
    ),
    (
        "Proceedings of the Fifth Workshop on Natural Language Processing and Computational Social Science (NLP+CSS)",
        2022,
        "NLP+CSS 2022",
    ),
    (
        "Proceedings of the 13th International Workshop on Health Text Mining and Information Analysis (LOUHI)",
        2022,
        "Louhi 2022",
    ),
    (
        "Proceedings of the 8th Social Media Mining for Health Applications Workshop & Shared Task (SMM4H'2023)",
        2023,
        "SMM4H 2023",
    ),
    ("Proceedings of the Fifth Workshop on e-Commerce and NLP (ECNLP 5)", 2022, "ECNLP 2022"),
    (
        "Proceedings of the Tenth International Workshop on Natural Language Processing for Social Media",
        2022,
        "SocialNLP 2022",
    ),
    ("Proceedings of the 17th International Workshop on Semantic Evaluation (SemEval-2023)", 2023, "SemEval 2023"),
    ("Proceedings of the Eighth Conference on Machine Translation", 2023, "WMT 2023"),
    ("Proceedings of the 12th Joint Conference on Lexical and Computational Semantics (*SEM 2023)", 2023, "*SEM 2023"),
    (
        "Proceedings of the 6th BlackboxNLP Workshop: Analyzing and Interpreting Neural Networks for NLP",
        2023,
        "BlackboxNLP 2023",
    ),
    (
        "Proceedings of the 22nd Workshop on Biomedical Natural Language Processing and BioNLP Shared Tasks",
        2023,
        "BioNLP 2023",
    ),
    ("Proceedings of the 5th Clinical Natural Language Processing Workshop", 2023, "ClinicalNLP 2023"),
    (
        "Experimental IR Meets Multilinguality, Multimodality, and Interaction: 14th International Conference of the"
        " CLEF Association, CLEF 2023",
        2023,
        "CLEF 2023",
    ),
    ("Proceedings of the Thirty-Second Text REtrieval Conference", 2023, "TREC 2023"),
    ("ACM Transactions on Asian and Low-Resource Language Information Processing", 2023, "TALLIP 2023"),
    ("International Journal of Computational Linguistics & Chinese Language Processing", 2023, "IJCLCLP 2023"),
    ("Dialogue & Discourse", 2023, "Dialogue & Discourse 2023"),
    # --- semantic web and knowledge engineering
    ("Proceedings of the 14th International SWAT4HCLS Conference", 2023, "SWAT4HCLS 2023"),
    ("Semantic Web Applications and Tools for Healthcare and Life Sciences", 2023, "SWAT4HCLS 2023"),
    (
        "Proceedings of the 12th International Conference on Semantic Web Applications and Tools for Health Care and"
        " Life Sciences",
        2019,
        "SWAT4HCLS 2019",
    ),
    (
        "The Semantic Web – ISWC 2023: 22nd International Semantic Web Conference, Athens, Greece, November 6–10,"
        " 2023, Proceedings, Part I",
        2023,
        "ISWC 2023",
    ),
    (
        "The Semantic Web: 20th International Conference, ESWC 2023, Hersonissos, Crete, Greece, May 28–June 1, 2023,"
        " Proceedings",
        2023,
        "ESWC 2023",
    ),
    ("Proceedings of the 10th International Conference on Knowledge Capture", 2019, "K-CAP 2019"),
    ("Proceedings of the 12th Knowledge Capture Conference 2023", 2023, "K-CAP 2023"),
    (
        "Knowledge Engineering and Knowledge Management: 23rd International Conference, EKAW 2022, Bolzano, Italy,"
        " September 26–29, 2022, Proceedings",
        2022,
        "EKAW 2022",
    ),
    ("Proceedings of the 18th International Conference on Semantic Systems", 2022, "SEMANTiCS 2022"),
    ("Journal of Web Semantics", 2023, "Journal of Web Semantics 2023"),
    ("Journal of Biomedical Semantics", 2023, "Journal of Biomedical Semantics 2023"),
    # --- medical imaging, medical physics, radiology
    ("7th International Conference on Image Formation in X-Ray Computed Tomography", 2022, "CT Meeting 2022"),
    (
        "Proceedings of the 7th International Conference on Image Formation in X-Ray Computed Tomography",
        2022,
        "CT Meeting 2022",
    ),
    (
        "The 17th International Meeting on Fully Three-Dimensional Image Reconstruction in Radiology and Nuclear"
        " Medicine",
        2023,
        "Fully3D 2023",
    ),
    ("2022 IEEE Nuclear Science Symposium and Medical Imaging Conference (NSS/MIC)", 2022, "NSS/MIC 2022"),
    ("Bildverarbeitung für die Medizin 2023", 2023, "BVM 2023"),
    ("Medical Image Understanding and Analysis: 27th Annual Conference, MIUA 2023", 2023, "MIUA 2023"),
    ("Proceedings of The 6th International Conference on Medical Imaging with Deep Learning", 2023, "MIDL 2023"),
    ("Information Processing in Medical Imaging: 28th International Conference, IPMI 2023", 2023, "IPMI 2023"),
    ("2023 IEEE 20th International Symposium on Biomedical Imaging (ISBI)", 2023, "ISBI 2023"),
    ("Medical Imaging 2023: Physics of Medical Imaging", 2023, "SPIE Medical Imaging 2023"),
    (
        "2023 45th Annual International Conference of the IEEE Engineering in Medicine & Biology Society (EMBC)",
        2023,
        "EMBC 2023",
    ),
    ("Medical Physics", 2023, "Medical Physics 2023"),
    ("Physics in Medicine and Biology", 2023, "Physics in Medicine & Biology 2023"),
    ("Physics in Medicine & Biology", 2023, "Physics in Medicine & Biology 2023"),
    ("Phys. Med. Biol.", 2023, "Physics in Medicine & Biology 2023"),
    ("IEEE Transactions on Medical Imaging", 2023, "TMI 2023"),
    ("Magnetic Resonance in Medicine", 2023, "Magnetic Resonance in Medicine 2023"),
    ("MAGNETIC RESONANCE IN MEDICINE", 2021, "Magnetic Resonance in Medicine 2021"),
    ("Magn Reson Med", 2021, "Magnetic Resonance in Medicine 2021"),
    ("Journal of Magnetic Resonance Imaging", 2023, "Journal of Magnetic Resonance Imaging 2023"),
    ("Magnetic Resonance Imaging", 2023, "Magnetic Resonance Imaging 2023"),
    ("NMR in Biomedicine", 2023, "NMR in Biomedicine 2023"),
    ("Computerized Medical Imaging and Graphics", 2023, "Computerized Medical Imaging and Graphics 2023"),
    ("Journal of Medical Imaging", 2023, "Journal of Medical Imaging 2023"),
    ("International Journal of Computer Assisted Radiology and Surgery", 2023, "IJCARS 2023"),
    ("IEEE Transactions on Computational Imaging", 2023, "TCI 2023"),
    ("IEEE Transactions on Radiation and Plasma Medical Sciences", 2023, "TRPMS 2023"),
    ("Journal of Nuclear Medicine", 2023, "Journal of Nuclear Medicine 2023"),
    ("European Journal of Nuclear Medicine and Molecular Imaging", 2023, "EJNMMI 2023"),
    ("Journal of Applied Clinical Medical Physics", 2023, "Journal of Applied Clinical Medical Physics 2023"),
    ("Physica Medica", 2023, "Physica Medica 2023"),
    ("Zeitschrift für Medizinische Physik", 2023, "Zeitschrift für Medizinische Physik 2023"),
    ("Radiotherapy and Oncology", 2023, "Radiotherapy and Oncology 2023"),
    ("Investigative Radiology", 2023, "Investigative Radiology 2023"),
    ("Computers in Biology and Medicine", 2023, "Computers in Biology and Medicine 2023"),
    ("Computer Methods and Programs in Biomedicine", 2023, "Computer Methods and Programs in Biomedicine 2023"),
    ("Biomedical Signal Processing and Control", 2023, "Biomedical Signal Processing and Control 2023"),
    # --- software engineering, programming languages, verification, theory
    (
        "2023 IEEE International Conference on Software Analysis, Evolution and Reengineering (SANER)",
        2023,
        "SANER 2023",
    ),
    (
        "Software Architecture: 17th European Conference, ECSA 2023, Istanbul, Turkey, September 18–22, 2023,"
        " Proceedings",
        2023,
        "ECSA 2023",
    ),
    ("2023 IEEE 20th International Conference on Software Architecture (ICSA)", 2023, "ICSA 2023"),
    ("2011 Ninth Working IEEE/IFIP Conference on Software Architecture", 2011, "ICSA 2011"),
    ("2021 IEEE/ACM 1st Workshop on AI Engineering - Software Engineering for AI (WAIN)", 2021, "WAIN @ ICSE 2021"),
    (
        "2022 IEEE/ACM 1st International Conference on AI Engineering – Software Engineering for AI (CAIN)",
        2022,
        "CAIN 2022",
    ),
    (
        "Proceedings of the 2nd International Conference on AI Engineering: Software Engineering for AI",
        2023,
        "CAIN 2023",
    ),
    (
        "2023 IEEE/ACM 18th Symposium on Software Engineering for Adaptive and Self-Managing Systems (SEAMS)",
        2023,
        "SEAMS 2023",
    ),
    (
        "Proceedings of the 2008 International Workshop on Software Engineering for Adaptive and Self-Managing Systems",
        2008,
        "SEAMS 2008",
    ),
    (
        "2023 ACM/IEEE 26th International Conference on Model Driven Engineering Languages and Systems (MODELS)",
        2023,
        "ACM/IEEE MODELS 2023",
    ),
    (
        "Model Driven Engineering Languages and Systems: 14th International Conference, MODELS 2011",
        2011,
        "ACM/IEEE MODELS 2011",
    ),
    ("2023 IEEE 31st International Requirements Engineering Conference (RE)", 2023, "RE 2023"),
    (
        "Requirements Engineering: Foundation for Software Quality: 29th International Working Conference, REFSQ 2023",
        2023,
        "REFSQ 2023",
    ),
    ("2023 IEEE Conference on Software Testing, Verification and Validation (ICST)", 2023, "ICST 2023"),
    (
        "2023 ACM/IEEE International Symposium on Empirical Software Engineering and Measurement (ESEM)",
        2023,
        "ESEM 2023",
    ),
    ("2023 IEEE/ACM 31st International Conference on Program Comprehension (ICPC)", 2023, "ICPC 2023"),
    (
        "Proceedings of the 27th International Conference on Evaluation and Assessment in Software Engineering",
        2023,
        "EASE 2023",
    ),
    ("2023 IEEE 34th International Symposium on Software Reliability Engineering (ISSRE)", 2023, "ISSRE 2023"),
    ("2023 30th Asia-Pacific Software Engineering Conference (APSEC)", 2023, "APSEC 2023"),
    (
        "2023 IEEE 23rd International Working Conference on Source Code Analysis and Manipulation (SCAM)",
        2023,
        "SCAM 2023",
    ),
    ("2023 38th IEEE/ACM International Conference on Automated Software Engineering (ASE)", 2023, "ASE 2023"),
    (
        "Proceedings of the 32nd ACM SIGSOFT International Symposium on Software Testing and Analysis",
        2023,
        "ISSTA 2023",
    ),
    ("2023 IEEE/ACM 20th International Conference on Mining Software Repositories (MSR)", 2023, "MSR 2023"),
    ("2023 IEEE International Conference on Software Maintenance and Evolution (ICSME)", 2023, "ICSME 2023"),
    (
        "Proceedings of the 44th ACM SIGPLAN International Conference on Programming Language Design and"
        " Implementation",
        2023,
        "PLDI 2023",
    ),
    ("Proceedings of the ACM on Programming Languages", 2023, "PACMPL 2023"),
    ("Computer Aided Verification: 35th International Conference, CAV 2023", 2023, "CAV 2023"),
    (
        "Tools and Algorithms for the Construction and Analysis of Systems: 29th International Conference, TACAS 2023",
        2023,
        "TACAS 2023",
    ),
    ("Journal of Systems and Software", 2023, "Journal of Systems and Software 2023"),
    ("Information and Software Technology", 2023, "Information and Software Technology 2023"),
    ("IEEE Software", 2023, "IEEE Software 2023"),
    ("Software and Systems Modeling", 2023, "Software and Systems Modeling 2023"),
    ("40th International Symposium on Theoretical Aspects of Computer Science (STACS 2023)", 2023, "STACS 2023"),
    (
        "Approximation, Randomization, and Combinatorial Optimization. Algorithms and Techniques (APPROX/RANDOM 2023)",
        2023,
        "APPROX/RANDOM 2023",
    ),
    ("39th International Symposium on Computational Geometry (SoCG 2023)", 2023, "SoCG 2023"),
    ("Proceedings of the 2023 ACM Symposium on Principles of Distributed Computing", 2023, "PODC 2023"),
    ("Proceedings of the 35th ACM Symposium on Parallelism in Algorithms and Architectures", 2023, "SPAA 2023"),
    ("37th International Symposium on Distributed Computing (DISC 2023)", 2023, "DISC 2023"),
    ("2023 38th Annual ACM/IEEE Symposium on Logic in Computer Science (LICS)", 2023, "LICS 2023"),
    ("Proceedings of the 24th ACM Conference on Economics and Computation", 2023, "EC 2023"),
    ("Journal of the ACM", 2023, "JACM 2023"),
    ("SIAM Journal on Computing", 2023, "SICOMP 2023"),
    # --- Korean, Japanese and Chinese venues, in English and in their own script
    ("Proceedings of the Korea Information Processing Society Conference", 2023, "KIPS 2023"),
    ("한국정보처리학회 학술대회논문집", 2023, "KIPS 2023"),
    (
        "KIPS Transactions on Software and Data Engineering",
        2023,
        "KIPS Transactions on Software and Data Engineering 2023",
    ),
    ("Journal of Information Processing Systems", 2023, "JIPS 2023"),
    ("Proceedings of the Korea Computer Congress", 2023, "KCC 2023"),
    ("한국컴퓨터종합학술대회 논문집", 2023, "KCC 2023"),
    ("Korea Software Congress", 2023, "KSC 2023"),
    ("Journal of KIISE", 2023, "Journal of KIISE 2023"),
    ("정보과학회논문지", 2023, "Journal of KIISE 2023"),
    ("한국음향학회지", 2024, "한국음향학회지 2024"),
    ("The Journal of the Acoustical Society of Korea", 2024, "한국음향학회지 2024"),
    ("情報処理学会論文誌", 2023, "IPSJ Journal 2023"),
    ("Journal of Information Processing", 2023, "Journal of Information Processing 2023"),
    ("情報処理学会全国大会講演論文集", 2023, "IPSJ National Convention 2023"),
    ("人工知能学会全国大会論文集", 2023, "JSAI 2023"),
    ("Proceedings of the Annual Conference of the Japanese Society for Artificial Intelligence", 2023, "JSAI 2023"),
    ("人工知能学会論文誌", 2023, "Transactions of the Japanese Society for Artificial Intelligence 2023"),
    ("言語処理学会年次大会発表論文集", 2024, "ANLP 2024"),
    (
        "Proceedings of the Twenty-ninth Annual Meeting of the Association for Natural Language Processing",
        2023,
        "ANLP 2023",
    ),
    ("自然言語処理", 2023, "Journal of Natural Language Processing 2023"),
    ("IEICE Transactions on Information and Systems", 2023, "IEICE Transactions on Information and Systems 2023"),
    ("中文信息学报", 2024, "中文信息学报 2024"),
    ("Journal of Chinese Information Processing", 2023, "中文信息学报 2023"),
    ("计算机学报", 2023, "计算机学报 2023"),
    ("软件学报", 2023, "软件学报 2023"),
    ("计算机研究与发展", 2023, "计算机研究与发展 2023"),
    ("自动化学报", 2023, "自动化学报 2023"),
    # --- databases, web, HCI, VR, computing education
    ("Proceedings of the ACM on Management of Data", 2023, "SIGMOD 2023"),
    ("Conference on Innovative Data Systems Research", 2023, "CIDR 2023"),
    ("26th International Conference on Database Theory (ICDT 2023)", 2023, "ICDT 2023"),
    ("Database Systems for Advanced Applications: 28th International Conference, DASFAA 2023", 2023, "DASFAA 2023"),
    (
        "Proceedings of the 35th International Conference on Scientific and Statistical Database Management",
        2023,
        "SSDBM 2023",
    ),
    (
        "Proceedings of the 31st ACM International Conference on Advances in Geographic Information Systems",
        2023,
        "SIGSPATIAL 2023",
    ),
    ("Proceedings of the 17th International Workshop on Mining and Learning with Graphs (MLG)", 2022, "MLG @ KDD 2022"),
    ("NeurIPS 2023 Workshop on Mining and Learning with Graphs", 2023, "MLG @ NeurIPS 2023"),
    ("ACM Transactions on Database Systems", 2023, "TODS 2023"),
    ("ACM Transactions on the Web", 2023, "TWEB 2023"),
    ("Social Informatics: 14th International Conference, SocInfo 2023", 2023, "SocInfo 2023"),
    ("EPJ Data Science", 2023, "EPJ Data Science 2023"),
    ("2023 IEEE Conference Virtual Reality and 3D User Interfaces (VR)", 2023, "IEEE VR 2023"),
    ("2010 IEEE Virtual Reality Conference (VR)", 2010, "IEEE VR 2010"),
    (
        "2023 IEEE Conference on Virtual Reality and 3D User Interfaces Abstracts and Workshops (VRW)",
        2023,
        "IEEE VR 2023 Workshops",
    ),
    ("2023 IEEE International Symposium on Mixed and Augmented Reality (ISMAR)", 2023, "ISMAR 2023"),
    (
        "2023 IEEE International Symposium on Mixed and Augmented Reality Adjunct (ISMAR-Adjunct)",
        2023,
        "ISMAR 2023 Companion",
    ),
    ("Proceedings of the 29th ACM Symposium on Virtual Reality Software and Technology", 2023, "VRST 2023"),
    ("Proceedings of the 2023 ACM Symposium on Spatial User Interaction", 2023, "SUI 2023"),
    (
        "Proceedings of the 15th International Conference on Automotive User Interfaces and Interactive Vehicular"
        " Applications",
        2023,
        "AutomotiveUI 2023",
    ),
    ("Human-Computer Interaction – INTERACT 2023: 19th IFIP TC13 International Conference", 2023, "IFIP INTERACT 2023"),
    ("Proceedings of the 15th Conference on Creativity and Cognition", 2023, "C&C 2023"),
    ("Proceedings of the 2022 International Conference on Advanced Visual Interfaces", 2022, "AVI 2022"),
    ("Proceedings of the 34th Australian Conference on Human-Computer Interaction", 2022, "OzCHI 2022"),
    ("Proceedings of Graphics Interface 2023", 2023, "Graphics Interface 2023"),
    ("2023 11th International Conference on Affective Computing and Intelligent Interaction (ACII)", 2023, "ACII 2023"),
    ("IEEE Transactions on Affective Computing", 2023, "TAFFC 2023"),
    ("ACM Transactions on Interactive Intelligent Systems", 2023, "TiiS 2023"),
    ("Behaviour & Information Technology", 2023, "Behaviour & Information Technology 2023"),
    ("Interacting with Computers", 2023, "Interacting with Computers 2023"),
    ("Proceedings of the 54th ACM Technical Symposium on Computer Science Education V. 1", 2023, "SIGCSE 2023"),
    (
        "Proceedings of the 2023 Conference on Innovation and Technology in Computer Science Education V. 1",
        2023,
        "ITiCSE 2023",
    ),
    (
        "Proceedings of the 23rd Koli Calling International Conference on Computing Education Research",
        2023,
        "Koli Calling 2023",
    ),
    ("LAK23: 13th International Learning Analytics and Knowledge Conference", 2023, "LAK 2023"),
    (
        "Responsive and Sustainable Educational Futures: 18th European Conference on Technology Enhanced Learning,"
        " EC-TEL 2023",
        2023,
        "EC-TEL 2023",
    ),
    # --- vision, remote sensing, robotics, intelligent vehicles
    ("2023 IEEE International Conference on Computational Photography (ICCP)", 2023, "ICCP 2023"),
    ("2023 IEEE International Joint Conference on Biometrics (IJCB)", 2023, "IJCB 2023"),
    ("Image Analysis and Processing – ICIAP 2023: 22nd International Conference", 2023, "ICIAP 2023"),
    ("Image Analysis: 23rd Scandinavian Conference, SCIA 2023", 2023, "SCIA 2023"),
    (
        "2023 International Conference on Digital Image Computing: Techniques and Applications (DICTA)",
        2023,
        "DICTA 2023",
    ),
    ("2023 20th Conference on Robots and Vision (CRV)", 2023, "CRV 2023"),
    ("2023 IEEE International Conference on Visual Communications and Image Processing (VCIP)", 2023, "VCIP 2023"),
    ("Proceedings of the 5th ACM International Conference on Multimedia in Asia", 2023, "MM Asia 2023"),
    ("Machine Vision and Applications", 2023, "Machine Vision and Applications 2023"),
    ("Journal of Visual Communication and Image Representation", 2023, "JVCI 2023"),
    ("IGARSS 2023 - 2023 IEEE International Geoscience and Remote Sensing Symposium", 2023, "IGARSS 2023"),
    ("IEEE Transactions on Geoscience and Remote Sensing", 2023, "TGRS 2023"),
    (
        "ISPRS Journal of Photogrammetry and Remote Sensing",
        2023,
        "ISPRS Journal of Photogrammetry and Remote Sensing 2023",
    ),
    ("Remote Sensing", 2023, "Remote Sensing 2023"),
    ("2023 21st International Conference on Advanced Robotics (ICAR)", 2023, "ICAR 2023"),
    ("2023 IEEE International Conference on Robotics and Biomimetics (ROBIO)", 2023, "ROBIO 2023"),
    ("2023 IEEE/SICE International Symposium on System Integration (SII)", 2023, "SII 2023"),
    ("2023 European Conference on Mobile Robots (ECMR)", 2023, "ECMR 2023"),
    ("2023 IEEE World Haptics Conference (WHC)", 2023, "WHC 2023"),
    ("2023 IEEE Intelligent Vehicles Symposium (IV)", 2023, "IEEE IV 2023"),
    ("2023 IEEE 26th International Conference on Intelligent Transportation Systems (ITSC)", 2023, "ITSC 2023"),
    ("IEEE Transactions on Intelligent Transportation Systems", 2023, "T-ITS 2023"),
    ("IEEE/ASME Transactions on Mechatronics", 2023, "T-MECH 2023"),
    ("IEEE Transactions on Automation Science and Engineering", 2023, "T-ASE 2023"),
    ("Journal of Field Robotics", 2023, "Journal of Field Robotics 2023"),
    ("Frontiers in Robotics and AI", 2023, "Frontiers in Robotics and AI 2023"),
    ("IEEE Robotics & Automation Magazine", 2023, "IEEE Robotics & Automation Magazine 2023"),
    ("2023 IEEE/RSJ International Conference on Intelligent Robots and Systems (IROS)", 2023, "IROS 2023"),
    ("2023 IEEE-RAS 22nd International Conference on Humanoid Robots (Humanoids)", 2023, "Humanoids 2023"),
    ("IEEE Robotics and Automation Letters", 2023, "RA-L 2023"),
    ("IEEE Transactions on Robotics", 2023, "T-RO 2023"),
    # --- bioinformatics, cryptography and security, AI, speech
    ("Asia Pacific Bioinformatics Conference", 2023, "APBC 2023"),
    ("German Conference on Bioinformatics", 2023, "GCB 2023"),
    (
        "2023 IEEE Conference on Computational Intelligence in Bioinformatics and Computational Biology (CIBCB)",
        2023,
        "CIBCB 2023",
    ),
    ("GigaScience", 2023, "GigaScience 2023"),
    ("BMC Genomics", 2023, "BMC Genomics 2023"),
    ("Proteins: Structure, Function, and Bioinformatics", 2023, "Proteins 2023"),
    ("Journal of Chemical Theory and Computation", 2023, "Journal of Chemical Theory and Computation 2023"),
    (
        "Advances in Cryptology – CRYPTO 2023: 43rd Annual International Cryptology Conference, CRYPTO 2023, Santa"
        " Barbara, CA, USA, August 20–24, 2023, Proceedings, Part I",
        2023,
        "Crypto 2023",
    ),
    (
        "Advances in Cryptology - EUROCRYPT 2023 - 42nd Annual International Conference on the Theory and Applications"
        " of Cryptographic Techniques",
        2023,
        "EUROCRYPT 2023",
    ),
    (
        "Advances in Cryptology – ASIACRYPT 2023: 29th International Conference on the Theory and Application of"
        " Cryptology and Information Security",
        2023,
        "ASIACRYPT 2023",
    ),
    ("IACR Transactions on Cryptographic Hardware and Embedded Systems", 2023, "CHES 2023"),
    ("Theory of Cryptography: 21st International Conference, TCC 2023", 2023, "TCC 2023"),
    (
        "Public-Key Cryptography – PKC 2023: 26th IACR International Conference on Practice and Theory of Public-Key"
        " Cryptography",
        2023,
        "PKC 2023",
    ),
    ("Financial Cryptography and Data Security: 27th International Conference, FC 2023", 2023, "FC 2023"),
    ("Applied Cryptography and Network Security: 21st International Conference, ACNS 2023", 2023, "ACNS 2023"),
    (
        "Proceedings of the 16th ACM Conference on Security and Privacy in Wireless and Mobile Networks",
        2023,
        "WiSec 2023",
    ),
    (
        "Security and Privacy in Communication Networks: 18th EAI International Conference, SecureComm 2022",
        2022,
        "SecureComm 2022",
    ),
    ("Journal of Cryptology", 2023, "Journal of Cryptology 2023"),
    ("2023 IEEE 35th International Conference on Tools with Artificial Intelligence (ICTAI)", 2023, "ICTAI 2023"),
    ("2023 IEEE Symposium Series on Computational Intelligence (SSCI)", 2023, "SSCI 2023"),
    ("2023 IEEE International Conference on Fuzzy Systems (FUZZ)", 2023, "FUZZ-IEEE 2023"),
    ("Parallel Problem Solving from Nature – PPSN XVII", 2022, "PPSN 2022"),
    ("Proceedings of the 20th International Congress of Phonetic Sciences", 2023, "ICPhS 2023"),
    ("Speech Prosody 2022", 2022, "Speech Prosody 2022"),
    ("Fortschritte der Akustik - DAGA 2023", 2023, "DAGA 2023"),
    ("Studientexte zur Sprachkommunikation: Elektronische Sprachsignalverarbeitung 2023", 2023, "ESSV 2023"),
    # --- not in the table: the cleaned name
    ("Proceedings of the 9th Symposium on Retinal Image Computing", 2024, "Symposium on Retinal Image Computing 2024"),
    ("Proc.~of the 9th Symposium on Retinal Image Computing", 2024, "Symposium on Retinal Image Computing 2024"),
    ("Proc. of the 15th ITG Conference on Speech Communication", 2023, "ITG Conference on Speech Communication 2023"),
    (
        "In Proceedings of the 14th International Conference on Pattern Recognition Applications and Methods",
        2025,
        "International Conference on Pattern Recognition Applications and Methods 2025",
    ),
    (
        "Conference on Cognitive Computational Neuroscience",
        2023,
        "Conference on Cognitive Computational Neuroscience 2023",
    ),
    ("Informatik Spektrum", 2023, "Informatik Spektrum 2023"),
    (
        "TRANSPORTATION RESEARCH PART C: EMERGING TECHNOLOGIES",
        2022,
        "Transportation Research Part C: Emerging Technologies 2022",
    ),
    ("European Journal of Neuroscience", 2023, "European Journal of Neuroscience 2023"),
    (
        "International Journal of Artificial Intelligence in Education",
        2023,
        "International Journal of Artificial Intelligence in Education 2023",
    ),
    ("Nature Reviews Neuroscience", 2023, "Nature Reviews Neuroscience 2023"),
    ("Science China Information Sciences", 2023, "Science China Information Sciences 2023"),
    ("Machine Learning in Medical Imaging", 2023, "Machine Learning in Medical Imaging 2023"),
    ("Twenty-Ninth Symposium on Things 2022", 2022, "Symposium on Things 2022"),
    (
        "Proceedings of the 3rd Workshop on Machine Learning for Audio",
        2023,
        "Workshop on Machine Learning for Audio 2023",
    ),
    (
        "Proceedings of the Workshop on Knowledge Discovery and Data Mining for Health",
        2023,
        "Workshop on Knowledge Discovery and Data Mining for Health 2023",
    ),
    (
        "Proceedings of the 2023 CLASP Conference on Learning with Small Data (LSD)",
        2023,
        "LSD 2023",  # the venue's own short name, in parentheses
    ),
    ("Proceedings of the Foo Conference, Berlin, Germany, June 3-5, 2023", 2023, "Foo Conference 2023"),
]


def test_enough_real_strings():
    assert len(CONTAINERS) >= 150


@pytest.mark.parametrize(("container", "year", "expected"), CONTAINERS, ids=[c[0][:60] for c in CONTAINERS])
def test_container_label(container, year, expected):
    parsed = identify_container(container, year=year)
    assert parsed is not None
    assert parsed.announceable
    assert label(parsed) == expected


@pytest.mark.parametrize(
    ("container", "kind", "track"),
    [
        ("Advances in Neural Information Processing Systems", "conference", "main"),
        ("IEEE Transactions on Pattern Analysis and Machine Intelligence", "journal", "journal"),
        ("Nature Communications", "journal", "journal"),
        ("IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)", "workshop", "workshop"),
        ("Proceedings of the 17th International Workshop on Semantic Evaluation (SemEval-2023)", "workshop", "main"),
        ("Some Local Symposium", "conference", "main"),
        ("Journal of Obscure Studies", "journal", "journal"),
        ("Informatik Spektrum", None, "main"),
    ],
)
def test_kinds_and_tracks(container, kind, track):
    parsed = identify_container(container, year=2023)
    assert (parsed.kind, parsed.track) == (kind, track)


def test_recognised_flag():
    assert identify_container("Advances in Neural Information Processing Systems", year=2023).recognised
    assert not identify_container("Proc. of the 9th Symposium on Retinal Image Computing", year=2024).recognised


def test_unrecognised_journal_with_kind_hint():
    parsed = identify_container("Informatik Spektrum", year=2023, kind_hint="journal")
    assert (parsed.series, parsed.kind, parsed.track) == ("Informatik Spektrum", "journal", "journal")


# --- pitfalls -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "series"),
    [
        ("IEEE Access", "IEEE Access"),  # never "Access"
        ("Nature Communications", "Nature Communications"),  # never "Nature"
        ("Nature Machine Intelligence", "Nature Machine Intelligence"),
        ("Nature Reviews Neuroscience", "Nature Reviews Neuroscience"),
        ("Science Advances", "Science Advances"),
        ("Science China Information Sciences", "Science China Information Sciences"),
        ("Cell Reports", "Cell Reports"),
        ("Bioinformatics Advances", "Bioinformatics Advances"),
        ("BMC Bioinformatics", "BMC Bioinformatics"),
        ("Machine Learning in Medical Imaging", "Machine Learning in Medical Imaging"),
        ("Neural Networks for Signal Processing Workshop", "Neural Networks for Signal Processing Workshop"),
        ("European Journal of Neuroscience", "European Journal of Neuroscience"),
        ("International Conference on Machine Learning and Applications", "ICMLA"),  # not ICML
        ("SIAM International Conference on Data Mining", "SDM"),  # not ICDM
        ("Transactions of the Association for Computational Linguistics", "TACL"),  # not ACL
        ("Conference of the European Chapter of the Association for Computational Linguistics", "EACL"),
        # names that continue, or that another venue's name or acronym contains
        (
            "2020 International Conference on Communications, Signal Processing, and their Applications",
            "International Conference on Communications, Signal Processing, and their Applications",
        ),  # not ICC
        (
            "2nd International Conference on Big Data, Cloud Computing, and Data Science Engineering",
            "International Conference on Big Data, Cloud Computing, and Data Science Engineering",
        ),  # not IEEE BigData
        ("International Conference on Big Data Analytics", "International Conference on Big Data Analytics"),
        (
            "International Conference on Parallel Processing and Applied Mathematics",
            "International Conference on Parallel Processing and Applied Mathematics",
        ),
        (
            "International Conference on Embedded Software and Systems",
            "International Conference on Embedded Software and Systems",
        ),
        (
            "International Conference on Computer-Aided Design and Computer Graphics",
            "International Conference on Computer-Aided Design and Computer Graphics",
        ),
        ("International Semantic Web Conference", "ISWC"),  # the semantic web ISWC ...
        ("International Symposium on Wearable Computers", "ISWC Wearables"),  # ... and the wearables one
        ("International Symposium on Wearable Robotics", "International Symposium on Wearable Robotics"),
        ("ACM SIGCOMM Computer Communication Review", "SIGCOMM CCR"),  # not the SIGCOMM conference
        ("ACM SIGKDD Explorations Newsletter", "SIGKDD Explorations"),  # not KDD
        ("SIGMOD Record", "SIGMOD Record"),
        ("ACM SIGIR Forum", "SIGIR Forum"),
        ("ACM SIGCSE Bulletin", "SIGCSE Bulletin"),
        (
            "Proceedings of the Workshop on Large Language Models for Science",
            "Workshop on Large Language Models for Science",
        ),
        ("Crypto Valley Conference on Blockchain Technology", "Crypto Valley Conference on Blockchain Technology"),
        ("Joint Virtual Reality Conference of EGVE - EuroVR", "Joint Virtual Reality Conference of EGVE - EuroVR"),
        ("Virtual Reality", "Virtual Reality"),  # the journal, not IEEE VR
        ("Journal of Software: Evolution and Process", "Journal of Software: Evolution and Process"),
        (
            "Magnetic Resonance Materials in Physics, Biology and Medicine",
            "Magnetic Resonance Materials in Physics, Biology and Medicine",
        ),
        ("Journal of Medical Imaging and Radiation Oncology", "Journal of Medical Imaging and Radiation Oncology"),
        ("Theory of Computing", "Theory of Computing"),  # not TCC
        ("2023 42nd Chinese Control Conference (CCC)", "CCC"),  # its own acronym, no complexity conference
        ("Proceedings of the 19th International Conference on Natural Language Processing (ICON)", "ICON"),
        ("ESA Living Planet Symposium", "ESA Living Planet Symposium"),
        ("Computer Networks: 25th International Conference, CN 2018", "CN"),
    ],
)
def test_short_names_never_match_inside_longer_ones(container, series):
    assert identify_container(container, year=2023).series == series


@pytest.mark.parametrize(
    "container",
    [
        "Proceedings of Machine Learning Research",
        "PMLR",
        "Lecture Notes in Computer Science",
        "LNCS",
        "JMLR Workshop and Conference Proceedings",
        "CEUR Workshop Proceedings",
        "Procedia Computer Science",
        "2023",
        "Proceedings",
    ],
)
def test_a_series_alone_names_no_venue(container):
    with pytest.raises(ValueError, match="no conference or journal name"):
        identify_container(container, year=2023)


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ("International Conference on Machine Learning, PMLR", "ICML 2023"),
        ("Lecture Notes in Computer Science: Computer Vision – ECCV 2022", "ECCV 2022"),
        ("CEUR Workshop Proceedings: Proceedings of the Conference on Things", "Conference on Things 2023"),
        ("Procedia Computer Science", None),
    ],
)
def test_series_are_removed_not_taken_as_the_venue(container, expected):
    if expected is None:
        with pytest.raises(ValueError):
            identify_container(container, year=2023)
    else:
        assert label(identify_container(container, year=2023)) == expected


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ("Psychopharmacology (Berl)", "Psychopharmacology 2021"),
        ("Bioinformatics (Oxford, England)", "Bioinformatics 2021"),
        ("Sensors (Basel, Switzerland)", "Sensors 2021"),
        ("Proceedings of the 40th International Conference on Machine Learning (PMLR)", "ICML 2021"),
        ("Journal of Foo Studies (Basel, Switzerland)", "Journal of Foo Studies 2021"),
        ("Some Local Meeting on Things (Oxford, England)", "Some Local Meeting on Things 2021"),
        ("Thirty-eighth Annual Conference (NeurIPS)", "NeurIPS 2021"),  # a short name in parentheses names it
        ("Proceedings of the Tenth Annual Meeting (COLING)", "COLING 2021"),
        ("Annual Meeting [C]", "Annual Meeting 2021"),
    ],
)
def test_parentheses(container, expected):
    assert label(identify_container(container, year=2021)) == expected


# --- findings and workshops ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "series"),
    [
        ("Findings of the Association for Computational Linguistics: EMNLP 2022", "EMNLP"),
        ("Findings of ACL 2023", "ACL"),
        ("Findings of the Association for Computational Linguistics: NAACL 2024", "NAACL"),
        ("Findings of the Association for Computational Linguistics ACL-IJCNLP 2021", "ACL"),
    ],
)
def test_findings_are_their_own_track_never_the_main_conference(container, series):
    parsed = identify_container(container, year=2022)
    assert (parsed.series, parsed.track) == (series, "findings")
    event = VenueEvent(parsed.series, parsed.year, parsed.track)
    assert event.conference == f"{series} {parsed.year}"  # grouped under the main conference
    assert event.label == f"Findings of {series} {parsed.year}"
    assert event.key == f"{series.lower()}-{parsed.year}-findings"


def test_named_workshop_from_the_table():
    p = identify_container(
        "Proceedings of the 8th Workshop on Representation Learning for NLP (RepL4NLP-2023)", year=2023
    )
    assert (p.series, p.year, p.track, p.workshop) == ("ACL", 2023, "workshop", "RepL4NLP")
    assert p.workshop_name == "Workshop on Representation Learning for NLP"
    assert p.kind == "workshop" and p.recognised


def test_workshop_whose_parent_is_named_in_the_text():
    p = identify_container("NeurIPS 2024 Workshop on Causal Representation Learning in the Wild", year=2024)
    assert (p.series, p.track, p.workshop) == (
        "NeurIPS",
        "workshop",
        "Workshop on Causal Representation Learning in the Wild",
    )
    p = identify_container("Workshop on Efficient Systems for Foundation Models, co-located with ICML 2023", year=2023)
    assert (p.series, p.track, p.workshop) == (
        "ICML",
        "workshop",
        "Workshop on Efficient Systems for Foundation Models",
    )


def test_workshop_acronym_carries_the_long_name():
    p = identify_container("Workshop on Fine-Tuning in Modern Machine Learning (FITML) at NeurIPS 2024", year=2024)
    assert (p.series, p.workshop, p.workshop_name) == (
        "NeurIPS",
        "FITML",
        "Workshop on Fine-Tuning in Modern Machine Learning",
    )
    assert label(p) == "FITML @ NeurIPS 2024"


def test_host_in_parentheses():
    p = identify_container("Workshop on Fine-Tuning in Modern Machine Learning (FITML @ NeurIPS 2024)", year=2024)
    assert (p.series, p.track, p.workshop) == ("NeurIPS", "workshop", "FITML")
    assert p.workshop_name == "Workshop on Fine-Tuning in Modern Machine Learning"
    assert venue_key(p.series, p.year, p.track, p.workshop) == "neurips-2024-workshop-fitml"
    p = identify_container("Proceedings of the First Workshop on Things (co-located with ACL 2023)", year=2023)
    assert label(p) == "Workshop on Things @ ACL 2023"


def test_unnamed_conference_workshops():
    for text in (
        "Proc. of CVPR - Workshops 2020",
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)",
    ):
        p = identify_container(text, year=2020)
        assert (p.series, p.track, p.workshop) == ("CVPR", "workshop", None)
        assert label(p) == "CVPR 2020 Workshops"


def test_workshop_without_a_known_parent_is_an_unrecognised_venue():
    p = identify_container("Proceedings of the 2nd Workshop on Things (Things 2023)", year=2023)
    assert (p.series, p.track, p.recognised, p.kind) == ("Workshop on Things", "main", False, "workshop")
    # a conference's name after "Workshop on" is the workshop's topic, not its host
    p = identify_container("Workshop on Knowledge Discovery and Data Mining for Health", year=2023)
    assert not p.recognised


# --- preprints and patents ----------------------------------------------------------------


@pytest.mark.parametrize(
    "container",
    [
        "arXiv",
        "arXiv preprint arXiv:2102.12037",
        "arXiv preprint arXiv:2311.09876",
        "arXiv e-prints",
        "ArXiv",
        "CoRR",
        "CoRR abs/2101.00001",
        "bioRxiv",
        "bioRxiv : the preprint server for biology",
        "medRxiv",
        "SSRN",
        "SSRN Electronic Journal",
        "Research Square",
        "ChemRxiv",
        "TechRxiv",
        "PsyArXiv",
        "OSF Preprints",
        "Preprints.org",
        "Preprint",
    ],
)
def test_preprint_servers(container):
    p = identify_container(container, year=2023)
    assert p.kind == "preprint" and not p.announceable and not p.recognised


@pytest.mark.parametrize(
    "container",
    [
        "US Patent 10,123,456",
        "US Patent 9,999,999",
        "Google Patents",
        "US Patent App. 17/123,456",
        "Patent App.",
        "European Patent EP3456789",
    ],
)
def test_patents(container):
    p = identify_container(container, year=2023)
    assert p.kind == "patent" and not p.announceable


def test_no_container():
    assert identify_container("", year=2023) is None
    assert identify_container(None) is None
    assert identify_container("  ", abbr="Talk") is None


# --- al-folio abbr ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "abbr", "expected"),
    [
        ("Advances in Neural Information Processing Systems", "NeurIPS", "NeurIPS 2024"),
        ("", "ICML'24", "ICML 2024"),
        ("", "ICML 2024", "ICML 2024"),
        ("", "CVPR", "CVPR 2024"),
        (
            "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
            "CVPR",
            "CVPR 2024",
        ),
        (
            "Findings of the Association for Computational Linguistics: EMNLP 2023",
            "EMNLP Findings",
            "Findings of EMNLP 2023",
        ),
        ("Findings of the Association for Computational Linguistics: EMNLP 2023", "EMNLP", "Findings of EMNLP 2023"),
        ("", "EMNLP Findings", "Findings of EMNLP 2024"),
        ("tmlr", "TMLR", "TMLR 2024"),
        ("Some Unknown Venue", "MyWS", "Some Unknown Venue 2024"),  # an abbr unrelated to the name: a badge
        ("Some Unknown Venue (MyWS)", "MyWS", "MyWS 2024"),  # the venue's own short name
        ("Physics in Medicine & Biology", "MI", "Physics in Medicine & Biology 2024"),
        ("Journal of Neural Engineering", "JNE", "Journal of Neural Engineering 2024"),  # the table wins
        ("NeurIPS 2024 Workshop on Fine-Tuning in Modern Machine Learning", "FITML", "FITML @ NeurIPS 2024"),
        ("Workshop on Things at NeurIPS 2024", "NeurIPS", "Workshop on Things @ NeurIPS 2024"),
        ("Some Unknown Venue", "Talk", "Some Unknown Venue 2024"),
        ("", "CVPRW", "CVPR 2024 Workshops"),
    ],
)
def test_abbr(container, abbr, expected):
    assert label(identify_container(container, abbr=abbr, year=2024)) == expected


def test_abbr_preprint():
    assert identify_container("", abbr="arXiv", year=2024).kind == "preprint"
    assert identify_container("arXiv preprint arXiv:2401.00001", abbr="arXiv", year=2024).kind == "preprint"
    # a venue's name wins over an abbr that says preprint
    assert (
        identify_container("Advances in Neural Information Processing Systems", abbr="arXiv", year=2024).series
        == "NeurIPS"
    )


# --- parse_venue: short strings from YAML/CSV ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "series", "year", "track", "workshop", "presentation", "status"),
    [
        ("NeurIPS 2024", "NeurIPS", 2024, "main", None, None, None),
        ("neurips 2024", "NeurIPS", 2024, "main", None, None, None),
        ("NIPS 2017", "NeurIPS", 2017, "main", None, None, None),
        ("Advances in Neural Information Processing Systems 2024", "NeurIPS", 2024, "main", None, None, None),
        ("FITML @NeurIPS 2024", "NeurIPS", 2024, "workshop", "FITML", None, None),
        ("FITML @ NeurIPS 2024", "NeurIPS", 2024, "workshop", "FITML", None, None),
        ("NeurIPS 2024 oral", "NeurIPS", 2024, "main", None, "oral", None),
        ("ICML'24", "ICML", 2024, "main", None, None, None),
        ("Findings of EMNLP 2024", "EMNLP", 2024, "findings", None, None, None),
        ("NeurIPS 2024 Datasets and Benchmarks Track", "NeurIPS", 2024, "datasets", None, None, None),
        ("Submitted to ICLR 2025", "ICLR", 2025, "main", None, None, "submitted"),
        ("NeurIPS 2024 Workshop on X", "NeurIPS", 2024, "workshop", "Workshop on X", None, None),
        ("interspeech 2023", "Interspeech", 2023, "main", None, None, None),
        ("eneuro 2021", "eNeuro", 2021, "journal", None, None, None),
        ("TMLR 2024", "TMLR", 2024, "journal", None, None, None),
        ("CVPR 2023 Workshops", "CVPR", 2023, "workshop", None, None, None),
        (
            "Proceedings of the 41st International Conference on Machine Learning",
            "ICML",
            None,
            "main",
            None,
            None,
            None,
        ),
        ("My Local Symposium 2024", "My Local Symposium", 2024, "main", None, None, None),
        ("MyConf 2024 Workshop on X", "MyConf", 2024, "workshop", "Workshop on X", None, None),
        ("ES-FoMo @ ICML 2024", "ICML", 2024, "workshop", "ES-FoMo", None, None),
        (
            "Workshop on Causal Representation Learning in the Wild @ NeurIPS 2024",
            "NeurIPS",
            2024,
            "workshop",
            "Workshop on Causal Representation Learning in the Wild",
            None,
            None,
        ),
        ("中文信息学报 2024", "中文信息学报", 2024, "journal", None, None, None),  # a known journal
    ],
)
def test_parse_venue(text, series, year, track, workshop, presentation, status):
    p = parse_venue(text)
    assert (p.series, p.year, p.track, p.workshop, p.presentation, p.status) == (
        series,
        year,
        track,
        workshop,
        presentation,
        status,
    )


def test_parse_venue_labels():
    assert label(parse_venue("FITML @NeurIPS 2024")) == "FITML @ NeurIPS 2024"
    assert label(parse_venue("NeurIPS 2024 oral")) == "NeurIPS 2024 (oral)"
    assert label(parse_venue("Findings of EMNLP 2022")) == "Findings of EMNLP 2022"
    assert (
        label(parse_venue("NeurIPS 2024 Datasets and Benchmarks Track")) == "NeurIPS 2024 Datasets and Benchmarks Track"
    )


def test_existing_keys_unchanged():
    assert VenueEvent("NeurIPS", 2024).key == "neurips-2024"
    assert VenueEvent("NeurIPS", 2024, "workshop", "FITML").key == "neurips-2024-workshop-fitml"
    assert VenueEvent("EMNLP", 2022, "findings").key == "emnlp-2022-findings"
    p = parse_venue("FITML @ NeurIPS 2024")
    assert venue_key(p.series, p.year, p.track, p.workshop) == "neurips-2024-workshop-fitml"


# --- grouping -----------------------------------------------------------------------------


def test_grouping_is_case_insensitive():
    a, b = identify_container("eNeuro", year=2021), identify_container("eneuro", year=2021)
    assert a.series == b.series == "eNeuro"
    assert venue_key("eNeuro", 2021, "journal", None) == venue_key("eneuro", 2021, "journal", None)
    assert canonical_series("neurips") == "NeurIPS"
    assert canonical_series("NIPS") == "NeurIPS"
    assert canonical_series("Advances in Neural Information Processing Systems") == "NeurIPS"
    assert canonical_series("Journal  of Foo") == "Journal of Foo"  # unknown: as written
    assert venue_key("Journal of Foo", 2021, "main", None) == venue_key("journal of foo", 2021, "main", None)


# --- hashtags -----------------------------------------------------------------------------


def test_hashtags_only_from_the_table():
    assert hashtags_for("NeurIPS", 2024) == ("#NeurIPS2024",)
    assert hashtags_for("neurips", 2024) == ("#NeurIPS2024",)
    assert hashtags_for("LREC-COLING", 2024) == ("#LRECCOLING2024",)
    assert hashtags_for("ECML-PKDD", 2023) == ("#ECMLPKDD2023",)
    assert hashtags_for("Symposium on Retinal Image Computing", 2024) == ()
    assert hashtags_for("Proceedings of Automated Knowledge Base Construction", 2019) == ()
    assert hashtags_for("Nature Communications", 2024) == ()
    assert default_hashtags(VenueEvent("EMNLP", 2022, "findings")) == ("#EMNLP2022",)
    assert default_hashtags(VenueEvent("NeurIPS", 2024, "workshop", "FITML")) == ("#NeurIPS2024",)
    assert default_hashtags(VenueEvent("ITG Conference on Speech Communication", 2023)) == ()


def test_every_table_hashtag_is_well_formed():
    for v in TABLE:
        for h in hashtags_for(v.short, 2024, TABLE):
            assert h.startswith("#") and h[1:].replace("_", "").isalnum() and len(h) <= 30, (v.short, h)


_ALL_TAGS = {h for v in TABLE for h in TABLE.hashtags(v.short, 2024)}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(
        st.text(max_size=120),
        st.lists(
            st.sampled_from(
                [
                    "Proceedings",
                    "of",
                    "the",
                    "29th",
                    "Workshop",
                    "on",
                    "NeurIPS",
                    "@",
                    "(",
                    ")",
                    "Findings",
                    "ACL",
                    ":",
                    "2024",
                    "'24",
                    "Journal",
                    "IEEE",
                    "Nature",
                    "arXiv",
                    "Patent",
                    "~",
                    "Volume 1:",
                    "PMLR",
                    "&",
                    "Thirty-Seventh",
                    "Conference",
                    "Machine",
                    "Learning",
                    "at",
                    "co-located with",
                    "-",
                    ",",
                    "Proc.",
                ]
            ),
            max_size=14,
        ).map(" ".join),
    ),
    abbr=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["NeurIPS", "ICML'24", "arXiv", "EMNLP Findings"])),
)
def test_arbitrary_text_never_crashes_nor_invents_a_hashtag(text, abbr):
    for call in (lambda: identify_container(text, abbr=abbr, year=2024), lambda: parse_venue(text)):
        try:
            parsed = call()
        except ValueError:
            continue
        if parsed is None:
            continue
        assert parsed.kind in (None, "conference", "journal", "workshop", "preprint", "patent")
        assert set(hashtags_for(parsed.series, 2024)) <= _ALL_TAGS


# --- the table file and the config ----------------------------------------------------------


def test_builtin_table_loads_once():
    assert VenueTable.default() is VenueTable.default()
    assert len(VenueTable.default()) >= 400
    assert get_default_table() is VenueTable.default()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[venue]]\nshort = "X"\nkind = "meeting"\n', r"entry 1 \(short = 'X'\): unknown kind 'meeting'"),
        (
            '[[venue]]\nshort = "X"\nkind = "conference"\nhashtag = "#X-{year}"\n',
            r"short = 'X'.*bad hashtag '#X-\{year\}'",
        ),
        ('[[venue]]\nshort = "X"\nkind = "conference"\nhashtag = "NoHash{year}"\n', "bad hashtag"),
        ('[[venue]]\nshort = "X"\nkind = "conference"\nname = ["x"]\n', "unknown key 'name'"),
        ('[[venue]]\nkind = "conference"\n', "'short' must be"),
        ('[[venue]]\nshort = "X"\nkind = "journal"\n[[venue]]\nshort = "x"\nkind = "journal"\n', "repeats entry 1"),
        ('[[venue]]\nshort = "XW"\nkind = "workshop"\nworkshops_of = "X"\n', "unknown conference 'X'"),
        ('[[venue]]\nshort = "X"\nkind = "conference"\nnames = "X Conf"\n', "'names' must be a list"),
        ("venue = 3\n", "array of tables"),
    ],
)
def test_table_is_validated(toml, message):
    with pytest.raises(VenueTableError, match=message):
        VenueTable.from_toml(toml, source="test.toml")


def test_is_event_key():
    assert is_event_key("NeurIPS 2024") and is_event_key("Findings of EMNLP 2022")
    assert not is_event_key("MLHC") and not is_event_key("ICML'24") and not is_event_key("Web3")


def _write_config(tmp_path, venues: str):
    path = tmp_path / "paperbot.toml"
    path.write_text(f'[store]\npath = "{tmp_path / "db.sqlite"}"\n\n{venues}')
    return path


def test_config_extends_the_table(tmp_path):
    path = _write_config(
        tmp_path,
        '[venues.MLHC]\nnames = ["Machine Learning for Healthcare"]\naliases = ["ML4HC"]\nkind = "conference"\n'
        'hashtags = ["#MLHC{year}", "#ML4H"]\n\n'
        '[venues.RIC]\nnames = ["Symposium on Retinal Image Computing"]\nkind = "conference"\n'
        'hashtags = ["#RIC{year}"]\n\n'
        '[venues."NeurIPS 2024"]\nhashtags = ["#NeurIPS2024", "#NeurIPS"]\nlocation = "Vancouver"\n\n'
        '[venues."neurips 2023"]\nlocation = "New Orleans"\n',
    )
    cfg = load_config(path)
    table = table_from_config(cfg.venues)
    p = identify_container("Proc.~of the 9th Symposium on Retinal Image Computing", year=2024, table=table)
    assert label(p) == "RIC 2024" and p.recognised
    assert hashtags_for("RIC", 2024, table) == ("#RIC2024",)
    assert hashtags_for("MLHC", 2023, table) == ("#MLHC2023", "#ML4H")
    assert parse_venue("ML4HC 2023", table=table).series == "MLHC"
    assert identify_container("Machine Learning for Healthcare", year=2023, table=table).series == "MLHC"
    # the built-in table is unchanged, and "Machine Learning" alone is still the journal
    assert hashtags_for("RIC", 2024) == ()
    assert identify_container("Machine Learning", year=2023, table=table).series == "Machine Learning"

    app = App(cfg, path)
    try:
        assert get_default_table() is app.venue_table  # what sources and composing use
        assert identify_container("Symposium on Retinal Image Computing", year=2024).series == "RIC"
        settings_ = app.compose_settings(app.store)
        assert settings_.venue_hashtags == {"NeurIPS 2024": ("#NeurIPS2024", "#NeurIPS")}
        assert settings_.venue_info["NeurIPS 2023"]["location"] == "New Orleans"  # canonical heading
        assert "MLHC" not in settings_.venue_info
    finally:
        app.close()


@pytest.mark.parametrize(
    ("venues", "message"),
    [
        ('[venues.Foo]\nnames = ["Foo Conference"]\n', "'Foo' is not in the venue table; add kind"),
        ('[venues.Foo]\nkind = "meeting"\n', "kind"),
        ('[venues.Foo]\nkind = "conference"\nhashtags = ["Foo{year}"]\n', "bad hashtag"),
        ('[venues.MLHC]\nlocation = "Pittsburgh"\n', "belongs to one event"),
        ('[venues."NeurIPS 2024"]\nnames = ["x"]\n', "belongs in a series entry"),
        ('[venues.MLHC]\nalias = ["x"]\n', "did you mean 'aliases'"),
        ('[venues.RIC]\nkind = "workshop"\nconference = "Nope"\n', "unknown conference 'Nope'"),
    ],
)
def test_config_venue_errors(tmp_path, venues, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write_config(tmp_path, venues))


def test_config_overrides_a_known_venue(tmp_path):
    cfg = load_config(
        _write_config(tmp_path, '[venues.neurips]\nhashtags = ["#NeurIPS{year}", "#ML"]\naliases = ["NIPSconf"]\n')
    )
    table = table_from_config(cfg.venues)
    assert hashtags_for("NeurIPS", 2025, table) == ("#NeurIPS2025", "#ML")
    assert parse_venue("NIPSconf 2025", table=table).series == "NeurIPS"
    assert parse_venue("NIPS 2017", table=table).series == "NeurIPS"  # the table's aliases are kept
