"""Seeded generator of realistic synthetic library technology staff.

The rows use the profile CSV interchange format (see ``CSV_COLUMNS``): every value is a
string, skills are written ``skill_id=level; skill_id=level`` and skill lists are
``"; "``-separated. Levels follow the taxonomy scale: 0 none, 1 aware, 2 working knowledge,
3 proficient, 4 expert.

Each person gets a department and a job title; the title decides which skills they hold
and at what level, so a Metadata Librarian rates MARC 21 and RDA highly and a Systems
Librarian rates an ILS, single sign-on and Linux highly. Mentees skew lower, mentors higher.
About one person in eight heads a department; everyone else reports to a head who appears
earlier in the list, in the same department, so the reporting graph never has a cycle.
"""

from __future__ import annotations

import bisect
import csv
import functools
import os
import random
import string
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist
from typing import NamedTuple, TypeVar

import yaml

from mentorship.taxonomy import DEFAULT_TAXONOMY_PATH

_T = TypeVar("_T")

__all__ = ["generate_staff", "write_staff_csv"]

CSV_COLUMNS = (
    "email",
    "name",
    "department",
    "manager_email",
    "role",
    "capacity",
    "skills",
    "learn",
    "teach",
    "goals",
    "bio",
)


EMAIL_DOMAIN = "westbrook.edu"

MIN_SKILLS = 6
MAX_SKILLS = 15
LEVELS = (1, 2, 3, 4)
# Standard deviation of a person's level around the mean for their job, role and experience.
LEVEL_SPREAD = 0.6

# The share of department heads; heads have no manager.
HEAD_SHARE = 1 / 8

# Heads are mostly mentors. The weights for everyone else are set so that the whole
# population comes out near 30% mentor, 35% mentee and 35% both.
ROLES = ("mentor", "mentee", "both")
HEAD_ROLE_WEIGHTS = (0.45, 0.10, 0.45)
STAFF_ROLE_WEIGHTS = (0.279, 0.386, 0.336)
HEAD_ROLE_CUM_WEIGHTS = tuple(accumulate(HEAD_ROLE_WEIGHTS))
STAFF_ROLE_CUM_WEIGHTS = tuple(accumulate(STAFF_ROLE_WEIGHTS))

MENTOR_CAPACITY_WEIGHTS = {1: 0.45, 2: 0.40, 3: 0.15}

# Mean levels of a person's core and secondary skills, by role.
ROLE_LEVEL_BASES = {"mentor": (3.4, 2.4), "both": (3.0, 2.1), "mentee": (2.2, 1.6)}
# Years in libraries, by role, for people who are not department heads.
ROLE_YEARS = {"mentor": (7, 30), "both": (3, 20), "mentee": (0, 8)}

# Topics the field is moving toward; people ask to learn these more often.
EMERGING_SKILLS = frozenset(
    {
        "bibframe", "rdf", "sparql", "wikidata", "json_ld", "linked_data_vocabularies",
        "machine_learning", "llms", "nlp", "vector_search", "automated_indexing",
        "prompt_engineering", "ai_ethics", "ai_literacy", "aws", "azure", "google_cloud",
        "docker", "kubernetes", "infrastructure_as_code", "python", "folio", "iiif",
        "fair_data", "power_bi", "accessibility",
    }
)
EMERGING_WEIGHT = 4.0

# Alternatives within one profile slot: a person uses one of these, the first most often.
ILS_CHOICES = ("alma", "folio", "sierra", "koha", "evergreen", "symphony", "worldshare")
DISCOVERY_CHOICES = ("primo", "vufind", "eds", "blacklight", "summon")
REPOSITORY_CHOICES = ("dspace", "samvera", "islandora", "digital_commons", "contentdm", "fedora")
CLOUD_CHOICES = ("aws", "azure", "google_cloud")
DASHBOARD_CHOICES = ("tableau", "power_bi")
CMS_CHOICES = ("drupal", "wordpress")
DATA_LANGUAGE_CHOICES = ("python", "r")
APP_LANGUAGE_CHOICES = ("python", "java", "php")
SEARCH_UI_CHOICES = ("blacklight", "vufind")
SERVER_CHOICES = ("linux", "windows_server")
PROXY_CHOICES = ("ezproxy", "openathens")

Slot = str | tuple[str, ...]


class Profile(NamedTuple):
    """The skills and stories that go with one kind of job."""

    core: tuple[Slot, ...]  # the first two slots are always held; they name the bio's systems
    secondary: tuple[Slot, ...]
    wants: tuple[str, ...]  # what people in this job most often ask to learn
    feats: tuple[str, ...]  # bio phrases; {core0}, {core1} and {prev0} are skill names


PROFILES: dict[str, Profile] = {
    "systems": Profile(
        core=(ILS_CHOICES, DISCOVERY_CHOICES, "saas_administration", "sso", "ezproxy",
              "sql", "rest_apis", "ils_migration", "alma_analytics", "linux"),
        secondary=("python", "shell_scripting", "link_resolvers", "marc21", "aws", "git",
                   "patron_privacy", "openathens", "project_management", "vendor_management",
                   "information_security", "technical_writing"),
        wants=("python", "aws", "docker", "folio", "llms", "infrastructure_as_code", "kubernetes"),
        feats=("runs {core0} and {core1} day to day",
               "led our migration from {prev0} to {core0}",
               "looks after {core0} integrations, authentication and the {core1} configuration",
               "wrote most of our local {core0} documentation and trains new staff on it"),
    ),
    "app_developer": Profile(
        core=(APP_LANGUAGE_CHOICES, ILS_CHOICES, "rest_apis", "sql", "git", "javascript", "docker",
              "oai_pmh", "xml"),
        secondary=("shell_scripting", "ruby_on_rails", "linux", "aws", "solr", "marc21", "regex",
                   "agile", "technical_writing"),
        wants=("kubernetes", "llms", "vector_search", "machine_learning", "infrastructure_as_code",
               "rdf"),
        feats=("builds integrations between {core1} and campus systems in {core0}",
               "maintains the {core0} code behind our {core1} data loads",
               "wrote the middleware that connects {core1} to the bursar and the registrar"),
    ),
    "cloud": Profile(
        core=(CLOUD_CHOICES, "docker", "linux", "infrastructure_as_code", "kubernetes",
              "networking", "config_management", "backup_recovery", "information_security"),
        secondary=("python", "shell_scripting", "git", "sso", "database_administration",
                   "saas_administration", "microsoft_365"),
        wants=("machine_learning", "llms", "folio", "ux_research", "project_management"),
        feats=("moved our local servers to {core0}",
               "runs our {core1} platform and the monitoring around it",
               "designed the {core0} accounts and backup plan for the library"),
    ),
    "lta": Profile(
        core=(ILS_CHOICES, "access_troubleshooting", "spreadsheets", "marc21",
              "saas_administration", "microsoft_365", "libguides"),
        secondary=("ezproxy", "sql", "windows_server", "technical_writing", "marcedit",
                   "knowledge_base", "html_css"),
        wants=("python", "sql", "marcedit", "alma_analytics", "aws", "llms", "html_css"),
        feats=("handles day-to-day {core0} support and {core1} tickets",
               "keeps our {core0} patron loads and notices running",
               "is the first point of contact for {core1}"),
    ),
    "metadata": Profile(
        core=("marc21", "rda", "authority_control", "lcsh", "marcedit", "classification",
              "dublin_core", "metadata_crosswalks", "bibframe", ILS_CHOICES),
        secondary=("mods", "xslt", "xml", "openrefine", "linked_data_vocabularies", "regex",
                   "python", "sparql", "wikidata", "technical_writing"),
        wants=("bibframe", "sparql", "python", "wikidata", "rdf", "linked_data_vocabularies",
               "automated_indexing", "llms", "openrefine"),
        feats=("catalogs in {core0} and {core1} and reviews the unit's original records",
               "led the {core1} upgrade of our legacy records",
               "trained the team on {core1} and set our local policies",
               "cleaned up thirty years of legacy {core0} records"),
    ),
    "authority": Profile(
        core=("authority_control", "marc21", "lcsh", "rda", "linked_data_vocabularies",
              "marcedit", "classification"),
        secondary=("wikidata", "openrefine", "regex", "bibframe", "sparql", "python"),
        wants=("wikidata", "sparql", "python", "bibframe", "rdf", "automated_indexing"),
        feats=("contributes NACO records and manages {core0} for the catalog",
               "runs our {core0} vendor processing and {core1} cleanup"),
    ),
    "linked_data": Profile(
        core=("rdf", "sparql", "bibframe", "wikidata", "linked_data_vocabularies", "skos",
              "json_ld", "triplestores", "owl"),
        secondary=("marc21", "python", "xslt", "metadata_crosswalks", "rda", "git",
                   "openrefine", "rest_apis"),
        wants=("python", "machine_learning", "llms", "vector_search", "docker",
               "automated_indexing"),
        feats=("ran our {core2} pilot and publishes our data as {core0}",
               "built the {core1} endpoint behind our linked data pilot",
               "coordinates our {core3} editing program"),
    ),
    "cataloging_assistant": Profile(
        core=("marc21", "rda", ILS_CHOICES, "marcedit", "lcsh", "spreadsheets"),
        secondary=("authority_control", "classification", "dublin_core", "openrefine", "regex"),
        wants=("marcedit", "bibframe", "python", "dublin_core", "openrefine", "authority_control",
               "sql"),
        feats=("copy catalogs in {core2} using {core0} and {core1}",
               "handles vendor record loads and {core0} cleanup"),
    ),
    "discovery": Profile(
        core=(DISCOVERY_CHOICES, ILS_CHOICES, "relevance_tuning", "link_resolvers", "solr",
              "html_css", "javascript", "ux_research", "knowledge_base"),
        secondary=("accessibility", "web_analytics", "marc21", "rest_apis", "sql", "python",
                   "ezproxy", "access_troubleshooting", "saas_administration"),
        wants=("vector_search", "llms", "machine_learning", "python", "accessibility", "blacklight",
               "ux_research"),
        feats=("configures {core0} on top of {core1} and handles the display rules",
               "led our move from {prev0} to {core0}",
               "runs usability testing on {core0} every term"),
    ),
    "search_developer": Profile(
        core=("solr", SEARCH_UI_CHOICES, "ruby_on_rails", "javascript", "relevance_tuning",
              "git", "docker", "rest_apis"),
        secondary=("python", "java", "linux", "aws", "marc21", "ux_research", "accessibility"),
        wants=("vector_search", "machine_learning", "nlp", "llms", "kubernetes"),
        feats=("maintains the {core0} index behind {core1}",
               "rebuilt our {core1} indexing pipeline and cut reindex time to an hour"),
    ),
    "repository": Profile(
        core=(REPOSITORY_CHOICES, "dublin_core", "iiif", "oai_pmh", "mods",
              "persistent_identifiers", "saas_administration", "digitization", "bagit", "orcid"),
        secondary=("linux", "python", "xslt", "solr", "fedora", "premis", "docker", "open_access",
                   "project_management", "metadata_crosswalks"),
        wants=("iiif", "python", "aws", "docker", "rdf", "machine_learning", "archivematica"),
        feats=("runs our {core0} institutional repository and its {core1} metadata",
               "led our migration from {prev0} to {core0}",
               "manages the {core0} service and its deposit workflows"),
    ),
    "digital_initiatives": Profile(
        core=("digitization", REPOSITORY_CHOICES, "iiif", "dublin_core", "omeka",
              "project_management", "ocr", "contentdm"),
        secondary=("mods", "wordpress", "accessibility", "premis", "python", "wikidata",
                   "archivesspace", "vendor_management"),
        wants=("iiif", "ocr", "machine_learning", "wikidata", "python", "llms", "bagit"),
        feats=("leads our {core0} program and the {core1} platform behind it",
               "launched our {core1} digital collections site",
               "coordinates grant-funded {core0} projects"),
    ),
    "digitization": Profile(
        core=("digitization", "ocr", "dublin_core", "contentdm", "spreadsheets", "fixity"),
        secondary=("iiif", "bagit", "omeka", "premis", "format_identification"),
        wants=("iiif", "python", "ocr", "bagit", "archivematica", "machine_learning"),
        feats=("runs the {core0} lab and its quality control",
               "handles {core0} and {core1} for our special collections"),
    ),
    "preservation": Profile(
        core=("archivematica", "oais", "premis", "bagit", "fixity", "format_identification",
              "preservation_planning", "web_archiving", "born_digital"),
        secondary=("linux", "python", "shell_scripting", "aws", "mets", "archivesspace",
                   "dspace", "persistent_identifiers", "backup_recovery"),
        wants=("python", "aws", "docker", "machine_learning", "web_archiving",
               "infrastructure_as_code"),
        feats=("runs our {core0} pipeline and wrote the {core1}-based policy it follows",
               "built our preservation workflow around {core0} and {core1}",
               "led our NDSA levels self-assessment"),
    ),
    "digital_archivist": Profile(
        core=("archivesspace", "born_digital", "archivematica", "bagit", "web_archiving",
              "format_identification", "premis", "dublin_core"),
        secondary=("mods", "mets", "fixity", "oais", "python", "xml", "digitization"),
        wants=("python", "archivematica", "wikidata", "ocr", "machine_learning", "sparql"),
        feats=("processes born-digital collections and manages {core0}",
               "set up our {core1} workflow and disk imaging station"),
    ),
    "archives_technician": Profile(
        core=("archivesspace", "digitization", "spreadsheets", "dublin_core", "born_digital"),
        secondary=("bagit", "fixity", "contentdm", "omeka", "ocr"),
        wants=("python", "archivematica", "iiif", "openrefine", "wikidata"),
        feats=("enters finding aids in {core0} and helps with {core1}",),
    ),
    "data_services": Profile(
        core=("dmp", "dataverse", "data_curation", "fair_data", "persistent_identifiers",
              DATA_LANGUAGE_CHOICES, "orcid", "sensitive_data", "openrefine"),
        secondary=("statistics", "sql", "git", "research_computing", "workshop_facilitation",
                   "data_visualization", "open_access", "dspace"),
        wants=("python", "machine_learning", "research_computing", "llms", "sql", "aws", "docker"),
        feats=("consults with researchers on {core0} and runs our {core1} collection",
               "launched the campus {core1} service and its curation workflow",
               "teaches workshops on {core0} for graduate students"),
    ),
    "data_curator": Profile(
        core=("data_curation", "dataverse", "fair_data", "persistent_identifiers",
              "openrefine", "sensitive_data", "dublin_core"),
        secondary=("python", "r", "spreadsheets", "dmp", "data_repositories", "xml", "bagit",
                   "premis"),
        wants=("python", "r", "sql", "machine_learning", "fair_data", "research_computing"),
        feats=("reviews every dataset deposited to {core1}",
               "wrote our {core0} checklist and curation guidelines"),
    ),
    "research_software": Profile(
        core=("python", "git", "research_computing", "docker", "sql", "rest_apis", "r"),
        secondary=("linux", "machine_learning", "nlp", "aws", "javascript", "data_visualization"),
        wants=("kubernetes", "llms", "vector_search", "infrastructure_as_code", "rdf"),
        feats=("builds {core0} tools for digital scholarship projects",
               "helps researchers package their {core0} code with {core1}"),
    ),
    "eresources": Profile(
        core=("erm", "link_resolvers", PROXY_CHOICES, "counter", "kbart", "knowledge_base",
              "licensing", "access_troubleshooting", "sushi", ILS_CHOICES),
        secondary=("spreadsheets", "alma_analytics", "open_access", "vendor_management",
                   "sso", "collection_analysis", "sql", "power_bi"),
        wants=("python", "power_bi", "sql", "alma_analytics", "sso", "llms", "openrefine"),
        feats=("manages our {core0} workflow and the {core2} setup",
               "set up {core2} for off-campus access",
               "negotiates licenses and manages {core1} and the knowledge base"),
    ),
    "licensing": Profile(
        core=("licensing", "open_access", "erm", "vendor_management", "counter"),
        secondary=("spreadsheets", "collection_analysis", "patron_privacy", "kbart"),
        wants=("power_bi", "sql", "python", "ai_ethics", "data_visualization"),
        feats=("negotiates our e-resource licenses and {core1} agreements",),
    ),
    "eresources_assistant": Profile(
        core=("access_troubleshooting", "knowledge_base", "link_resolvers", "spreadsheets",
              ILS_CHOICES, "kbart"),
        secondary=("ezproxy", "counter", "sushi", "erm"),
        wants=("sql", "python", "alma_analytics", "ezproxy", "power_bi"),
        feats=("answers access tickets and fixes broken activations",),
    ),
    "web_developer": Profile(
        core=(CMS_CHOICES, "html_css", "javascript", "php", "accessibility", "git",
              "frontend_frameworks", "web_analytics", "rest_apis", "docker"),
        secondary=("ux_research", "information_architecture", "linux", "sql", "libguides",
                   "aws", "python", "agile"),
        wants=("accessibility", "aws", "kubernetes", "llms", "vector_search", "ux_research",
               "python"),
        feats=("rebuilt the library website in {core0}",
               "maintains our {core0} site and its {core1} theme",
               "led the accessibility remediation of our web pages"),
    ),
    "ux": Profile(
        core=("ux_research", "information_architecture", "accessibility", "web_analytics",
              "qualitative_methods", "libguides", "html_css"),
        secondary=("survey_design", "wordpress", "drupal", "data_visualization",
                   "project_management"),
        wants=("accessibility", "javascript", "data_visualization", "llms", "python"),
        feats=("runs usability testing for the website and catalog",
               "led the {core1} overhaul of our website"),
    ),
    "accessibility": Profile(
        core=("accessibility", "html_css", "ux_research", "udl", "javascript"),
        secondary=("screencasting", "wordpress", "drupal", "information_architecture", "lms"),
        wants=("frontend_frameworks", "ai_ethics", "llms", "ux_research", "javascript"),
        feats=("audits our web services for {core0} and trains staff on it",),
    ),
    "instructional_technologist": Profile(
        core=("lms", "screencasting", "interactive_tutorials", "instructional_design", "lti",
              "udl", "accessibility", "workshop_facilitation"),
        secondary=("libguides", "html_css", "information_literacy", "ai_literacy", "microsoft_365",
                   "survey_design"),
        wants=("ai_literacy", "llms", "accessibility", "data_visualization", "javascript",
               "prompt_engineering"),
        feats=("built the library's online modules and video tutorial series",
               "supports faculty who embed library content in {core0}",
               "moved our instruction online with {core2}"),
    ),
    "instruction": Profile(
        core=("information_literacy", "libguides", "workshop_facilitation", "lms",
              "instructional_design", "screencasting"),
        secondary=("interactive_tutorials", "survey_design", "udl", "ai_literacy",
                   "qualitative_methods"),
        wants=("ai_literacy", "llms", "interactive_tutorials", "instructional_design",
               "data_visualization", "prompt_engineering"),
        feats=("teaches more than a hundred sessions a year and coordinates {core0}",
               "redesigned our first-year {core0} program"),
    ),
    "instructional_designer": Profile(
        core=("instructional_design", "lms", "interactive_tutorials", "udl", "screencasting",
              "accessibility"),
        secondary=("html_css", "survey_design", "project_management", "lti"),
        wants=("ai_literacy", "llms", "javascript", "data_visualization", "accessibility"),
        feats=("designs self-paced {core2} for the library",
               "leads course redesigns grounded in {core3}"),
    ),
    "assessment": Profile(
        core=("survey_design", "data_visualization", DASHBOARD_CHOICES, "statistics",
              "spreadsheets", "qualitative_methods", "collection_analysis", "alma_analytics"),
        secondary=("r", "python", "sql", "web_analytics", "counter", "openrefine", "ux_research"),
        wants=("python", "r", "sql", "machine_learning", "power_bi", "llms", "data_visualization"),
        feats=("built the library's {core2} dashboards and runs our survey program",
               "led our LibQUAL+ survey and the follow-up focus groups",
               "turned our annual statistics into a {core2} report for leadership"),
    ),
    "data_analyst": Profile(
        core=("sql", DASHBOARD_CHOICES, DATA_LANGUAGE_CHOICES, "statistics", "spreadsheets",
              "alma_analytics", "data_visualization"),
        secondary=("openrefine", "counter", "web_analytics", "collection_analysis", "git"),
        wants=("machine_learning", "python", "nlp", "llms", "aws"),
        feats=("builds our reporting with {core0} and {core1}",
               "automated our annual statistics with {core2}"),
    ),
    "collections_assessment": Profile(
        core=("collection_analysis", "alma_analytics", "spreadsheets", "counter", "statistics"),
        secondary=("tableau", "power_bi", "licensing", "sushi", "sql"),
        wants=("python", "sql", "power_bi", "r", "data_visualization"),
        feats=("runs our {core0} for renewals and weeding projects",),
    ),
    "digital_scholarship": Profile(
        core=("python", "wikidata", "iiif", "omeka", "nlp", "data_visualization", "git",
              "workshop_facilitation"),
        secondary=("sparql", "ocr", "machine_learning", "r", "openrefine", "llms"),
        wants=("machine_learning", "llms", "sparql", "vector_search", "rdf", "research_computing"),
        feats=("runs {core0} workshops for humanists and co-leads our {core1} program",
               "supports text and data mining projects across campus"),
    ),
    "emerging_tech": Profile(
        core=("llms", "machine_learning", "prompt_engineering", "ai_ethics", "ai_literacy",
              "python", "vector_search"),
        secondary=("nlp", "aws", "workshop_facilitation", "rest_apis", "git", "docker"),
        wants=("vector_search", "kubernetes", "sparql", "rdf", "infrastructure_as_code"),
        feats=("leads our pilot of {core0} and the guidelines around it",
               "evaluates new tools and teaches staff about {core0}"),
    ),
    "it_support": Profile(
        core=("windows_server", "microsoft_365", "networking", "ldap", "backup_recovery",
              "information_security"),
        secondary=("linux", "shell_scripting", "sso", "saas_administration", "patron_privacy",
                   "azure"),
        wants=("python", "azure", "aws", "linux", "docker", "information_security"),
        feats=("keeps public and staff computers running and looks after {core2}",
               "led the library's move to Microsoft 365"),
    ),
    "sysadmin": Profile(
        core=(SERVER_CHOICES, "networking", "config_management", "backup_recovery",
              "information_security", "sso", "database_administration", "shell_scripting",
              "ldap", "docker"),
        secondary=("aws", "azure", "python", "git", "ezproxy", "patron_privacy", "kubernetes"),
        wants=("kubernetes", "infrastructure_as_code", "aws", "python", "llms"),
        feats=("looks after the library's servers, {core1} and {core2}",
               "automated our server builds with {core2}",
               "owns backups, patching and the on-call rota"),
    ),
    "security": Profile(
        core=("information_security", "patron_privacy", "sso", "networking", "ldap"),
        secondary=("linux", "aws", "python", "config_management", "ezproxy"),
        wants=("aws", "python", "ai_ethics", "kubernetes", "infrastructure_as_code"),
        feats=("leads security reviews for new library systems",
               "wrote our {core1} guidelines for vendor contracts"),
    ),
}

# Every department: its titles with (profile, weight). The first title is the one a head
# of the department is drawn from.
DEPARTMENTS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "Library Systems": (
        ("Systems Librarian", "systems", 4),
        ("ILS Administrator", "systems", 2),
        ("Library Applications Developer", "app_developer", 2),
        ("Cloud Systems Engineer", "cloud", 1),
        ("Library Technology Assistant", "lta", 2),
    ),
    "Metadata Services": (
        ("Metadata Librarian", "metadata", 4),
        ("Cataloging and Metadata Specialist", "metadata", 3),
        ("Authority Control Librarian", "authority", 1),
        ("Linked Data Librarian", "linked_data", 1),
        ("Cataloging Assistant", "cataloging_assistant", 2),
    ),
    "Discovery Services": (
        ("Discovery Services Librarian", "discovery", 4),
        ("Search Applications Developer", "search_developer", 1),
        ("Library Technology Assistant", "lta", 1),
    ),
    "Digital Initiatives": (
        ("Digital Initiatives Librarian", "digital_initiatives", 3),
        ("Digital Repository Manager", "repository", 3),
        ("Digitization Specialist", "digitization", 2),
        ("Digital Preservation Specialist", "preservation", 1),
    ),
    "Special Collections": (
        ("Digital Archivist", "digital_archivist", 3),
        ("Digital Preservation Specialist", "preservation", 2),
        ("Special Collections Metadata Librarian", "metadata", 1),
        ("Archives Technician", "archives_technician", 1),
    ),
    "Research Data Services": (
        ("Data Services Librarian", "data_services", 4),
        ("Research Data Management Specialist", "data_services", 2),
        ("Data Curator", "data_curator", 2),
        ("Research Software Engineer", "research_software", 1),
    ),
    "E-Resources": (
        ("E-Resources Librarian", "eresources", 4),
        ("Electronic Resources Specialist", "eresources", 2),
        ("Licensing Librarian", "licensing", 1),
        ("E-Resources Assistant", "eresources_assistant", 2),
    ),
    "Web Services": (
        ("Web Services Developer", "web_developer", 4),
        ("Web Services Librarian", "web_developer", 2),
        ("User Experience Librarian", "ux", 2),
        ("Accessibility Specialist", "accessibility", 1),
    ),
    "Teaching & Learning": (
        ("Instructional Technologist", "instructional_technologist", 4),
        ("Instruction Librarian", "instruction", 3),
        ("Instructional Designer", "instructional_designer", 2),
    ),
    "Assessment": (
        ("Assessment Librarian", "assessment", 4),
        ("Library Data Analyst", "data_analyst", 2),
        ("Collections Assessment Librarian", "collections_assessment", 1),
    ),
    "Digital Scholarship": (
        ("Digital Scholarship Librarian", "digital_scholarship", 3),
        ("Emerging Technologies Librarian", "emerging_tech", 2),
        ("Digital Humanities Developer", "research_software", 1),
    ),
    "Library IT": (
        ("Systems Administrator", "sysadmin", 3),
        ("Library IT Specialist", "it_support", 3),
        ("Information Security Analyst", "security", 1),
        ("Library Technology Assistant", "lta", 1),
    ),
}
DEPARTMENT_WEIGHTS: dict[str, float] = {
    "Library Systems": 10,
    "Metadata Services": 12,
    "Discovery Services": 5,
    "Digital Initiatives": 8,
    "Special Collections": 7,
    "Research Data Services": 7,
    "E-Resources": 9,
    "Web Services": 7,
    "Teaching & Learning": 9,
    "Assessment": 5,
    "Digital Scholarship": 5,
    "Library IT": 8,
}

FIRST_NAMES = (
    "Jordan", "Aisha", "Mateo", "Priya", "Wei", "Fatima", "Liam", "Sofia", "Kwame", "Hannah",
    "Diego", "Mei", "Olivia", "Tariq", "Nadia", "Ethan", "Yuki", "Amara", "Lucas", "Zainab",
    "Noah", "Camila", "Arjun", "Grace", "Hiroshi", "Leila", "Samuel", "Ana", "Chidi", "Emily",
    "Rafael", "Ingrid", "Malik", "Chloé", "Dmitri", "Esperanza", "Kai", "Rosa", "Omar", "Julia",
    "Tomás", "Siobhan", "Andre", "Lakshmi", "Benjamin", "Mariam", "Javier", "Anjali", "Connor",
    "Imani", "Sven", "Ximena", "Daniel", "Thandiwe", "Ahmed", "Elena", "Marcus", "Keiko", "Isaac",
    "Valentina", "Raj", "Naomi", "Kofi", "Beatriz", "Alexei", "Renée", "Yusuf", "Clara", "Minh",
    "Adaeze", "Patrick", "Hye-jin", "Gabriel", "Farah", "Oscar", "Ngozi", "Henrik", "Lucía",
    "Darnell", "Anika", "Matthew", "Soo-ah", "Ibrahim", "Margaret", "Santiago", "Ayesha",
    "Jamal", "Freya", "Cheng", "Lerato", "Robert", "Paola", "Eitan", "Kateryna", "Desmond",
    "Rania", "Tyler", "Mónica", "Sanjay", "Bridget", "Juan", "Zoë", "Kenji", "Sarah", "Ali",
    "Megan", "Luis", "Fiona", "Nikhil", "Abena", "Christopher", "Salma", "Pedro", "Ruth",
    "Hamza", "Lindsay", "Vikram", "Aoife", "Tunde", "Jessica", "Rohan", "Maya", "Emeka",
    "Carmen", "Nathan", "Dina", "Sipho", "Laura", "Hassan", "Nora", "Antonio", "Eun-ji", "Kevin",
    "Alma", "Marisol", "Dylan", "Wanjiru", "Stefan", "Ayumi", "Jerome", "Leah", "Pradeep",
    "Teresa", "Kalani", "Miguel", "Shira", "Femi", "Courtney", "José", "Linh", "Rachel", "Bilal",
)
LAST_NAMES = (
    "Alvarez", "Okafor", "Chen", "Patel", "Nguyen", "Smith", "Haddad", "Kowalski", "Mensah",
    "García", "Johansson", "Kim", "Rahman", "O'Brien", "Tanaka", "Silva", "Adeyemi", "Müller",
    "Hernández", "Singh", "Williams", "Cohen", "Ivanova", "Mbeki", "Rossi", "Yamamoto", "Díaz",
    "Brown", "Hassan", "Lindqvist", "Osei", "Kaur", "Martin", "Park", "Moreau", "Ramírez",
    "Abdullah", "Novak", "Wright", "Fernandes", "Zhang", "Murphy", "Achebe", "Sato", "Torres",
    "Khan", "Andersen", "Lopez", "Wang", "Bianchi", "Nakamura", "Ali", "Gonzalez", "Clarke",
    "Petrov", "Eze", "Reyes", "Choi", "Jackson", "Morales", "Svensson", "Iyer", "Dubois",
    "Afolabi", "Liu", "Castillo", "Thompson", "Ahmed", "Kovacs", "Banerjee", "Walker", "Ortiz",
    "Huang", "Nwosu", "Schmidt", "Mendoza", "Davis", "Bose", "Kariuki", "Jensen", "Romero",
    "Yilmaz", "Campbell", "Shapiro", "Tran", "Owusu", "Gupta", "Fischer", "Vargas", "Lee",
    "Mahmoud", "Fitzgerald", "Suzuki", "Molina", "Robinson", "Mwangi", "Hoang", "Santos",
    "Bergström", "Delgado", "Rao", "Wilson", "Nasser", "Kealoha", "Ferreira", "Goldberg",
    "Dlamini", "Cruz", "Evans", "Takahashi", "Van der Berg", "Jiménez", "Sharma", "Begay",
    "Popescu", "Anderson", "Horvat", "Ruiz", "Hughes", "Obi", "Yoon", "Navarro", "Baker",
    "Chaudhry", "Lambert", "Medina", "Kapoor", "Nilsen", "Flores", "Grant", "Sokolov",
    "Bailey", "Nakashima", "Agarwal", "Harris", "Le", "Ogunleye", "Costa", "Fraser",
    "Mitchell", "Aziz", "Pham", "Reid", "Herrera", "Kiplagat", "Wójcik", "Yazzie", "Gómez",
)

# Bio phrases for people in their first few years, whatever their job.
JUNIOR_FEATS = (
    "supports the team with {core0} and {core1}",
    "handles day-to-day {core0} work and is picking up {core1}",
    "helps maintain {core0} and documents the local workflows",
    "joined the team to work on {core0} and {core1}",
)
BIO_BACKGROUNDS = (
    "Started out in a public library branch.",
    "Came to libraries from software development.",
    "Previously worked in circulation and interlibrary loan.",
    "Holds an MLIS and a background in history.",
    "Came to libraries from a career in teaching.",
    "Worked for a library vendor before moving to campus.",
    "Previously at a small liberal arts college library.",
    "Spent several years in a museum before moving to libraries.",
    "Holds an MLIS and a degree in computer science.",
)

LEARN_VERBS = (
    "Learn",
    "Get hands-on with",
    "Build working knowledge of",
    "Get comfortable with",
    "Develop real skills in",
)
CATEGORY_REASONS: dict[str, tuple[str, ...]] = {
    "ils": (
        "before our migration to a new library services platform",
        "so I can cover system administration when colleagues are away",
        "to understand the back end of the system I use every day",
    ),
    "metadata": (
        "so our records are ready as cataloging moves beyond MARC",
        "to clean up and enrich our catalog records at scale",
        "so I can contribute to our metadata remediation projects",
    ),
    "discovery": (
        "to improve what patrons see when they search",
        "so I can tune relevance and fix display problems myself",
    ),
    "repositories": (
        "so I can help run our institutional repository",
        "to support our digital collections platform",
    ),
    "preservation": (
        "so our digital collections survive the next migration",
        "to build a preservation workflow we can defend",
    ),
    "linked_data": (
        "to query and publish our data as linked data",
        "so we can connect our authority data to Wikidata and id.loc.gov",
        "ahead of our linked data pilot",
    ),
    "ai_ml": (
        "to evaluate AI tools for metadata and discovery with a critical eye",
        "so I can advise colleagues on where AI helps and where it does not",
        "to prototype better search over our digital collections",
    ),
    "cloud": (
        "as more of our systems move to hosted and cloud services",
        "so I can manage our hosted services without calling the vendor for everything",
        "ahead of our move off local servers",
    ),
    "sysadmin": (
        "so I can take a turn on call for our library servers",
        "to keep patron data safe as we add integrations",
    ),
    "eresources": (
        "to understand how access actually works end to end",
        "to make sense of our usage data at renewal time",
    ),
    "research_data": (
        "to support researchers with funder data requirements",
        "so I can help researchers share data that others can reuse",
    ),
    "programming": (
        "to automate the repetitive parts of my job",
        "so I can work with our systems' APIs directly",
        "to script batch changes instead of editing records by hand",
    ),
    "web_ux": (
        "to make our website work for everyone who uses it",
        "so our online services are accessible and easy to use",
    ),
    "assessment": (
        "to turn our usage data into evidence for decisions",
        "to build reports the leadership team will actually read",
    ),
    "instruction": (
        "to make our instruction reach more students online",
        "so I can design better workshops and tutorials",
    ),
    "management": (
        "as I take on larger projects",
        "to keep cross-team projects on track",
    ),
}
# Reasons that fit one skill better than its category's reasons do.
SKILL_REASONS: dict[str, tuple[str, ...]] = {
    "ai_ethics": (
        "so I can help shape our AI policy",
        "to weigh privacy and bias questions before we adopt AI tools",
    ),
    "ai_literacy": ("so I can teach students to use AI tools critically",),
    "prompt_engineering": ("to get more reliable results from the AI tools we already use",),
    "ocr": ("to make our digitized collections full-text searchable",),
    "bibframe": (
        "so our catalog is ready as cataloging moves beyond MARC",
        "ahead of our linked data pilot",
    ),
    "sparql": ("to query linked data sources like Wikidata and id.loc.gov",),
    "wikidata": ("to connect our collections and local authorities to Wikidata",),
    "patron_privacy": ("to keep patron data safe as we add integrations",),
    "open_access": ("to support our read-and-publish agreements",),
    "digitization": ("so I can help with our special collections scanning projects",),
    "information_security": ("to keep patron data safe as we add integrations",),
}
DEFAULT_REASONS = (
    "to grow in my current role",
    "to broaden what I can contribute to the team",
)
GOAL_CLOSERS = (
    "I'd value a mentor who has used it in production.",
    "I learn best by working through a real project with someone.",
    "I have an hour a week set aside for this.",
    "A few conversations with someone experienced would save me a lot of trial and error.",
)
MENTOR_GOALS = (
    "Help newer colleagues build confidence with {core0} and {core1}.",
    "Pass on what I've learned about {core0}; happy to talk about library technology careers too.",
    "Give back by guiding someone through their first {core0} project.",
    "Share practical {core0} and {core1} experience with colleagues who are just starting out.",
)
BOTH_OFFERS = (
    "In return I'm glad to help others with {core0}.",
    "Happy to mentor on {core0} and {core1} in return.",
)

# Words that stay capitalized mid-sentence even though they look like ordinary words.
PROPER_WORDS = frozenset({"Linux", "Ruby", "Microsoft", "Google", "Windows", "Apache", "Alma"})
# Single-word skill names that are ordinary nouns.
COMMON_WORDS = frozenset(
    {
        "Statistics", "Spreadsheets", "Digitization", "Networking", "Triplestores",
        "Classification", "Screencasting",
    }
)


class _Taxonomy(NamedTuple):
    """Skill names and category ids, by skill id."""

    names: dict[str, str]
    categories: dict[str, str]


def _load_taxonomy(path: Path) -> _Taxonomy:
    """Read skill names and categories from a taxonomy YAML file."""
    with open(path, encoding="utf-8") as taxonomy_file:
        document = yaml.safe_load(taxonomy_file)
    names: dict[str, str] = {}
    categories: dict[str, str] = {}
    for category in document["categories"]:
        for skill in category["skills"]:
            names[skill["id"]] = skill["name"]
            categories[skill["id"]] = category["id"]
    return _Taxonomy(names, categories)


def _phrase(name: str) -> str:
    """Return a skill name as it reads mid-sentence ("Machine learning" -> "machine learning")."""
    words = name.split()
    first = words[0]
    looks_common = first[:1].isupper() and first[1:].islower() and first not in PROPER_WORDS
    if looks_common and (name in COMMON_WORDS or (len(words) > 1 and words[1][:1].islower())):
        return first[0].lower() + name[1:]
    return name


def _join(items: Sequence[str]) -> str:
    """Join phrases as English prose: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@functools.cache
def _email_local_part(name: str) -> str:
    """Return the ASCII "first.last" form of a name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    first, _, last = ascii_name.lower().partition(" ")
    keep = "abcdefghijklmnopqrstuvwxyz-"
    first = "".join(ch for ch in first if ch in keep)
    last = "".join(ch for ch in last if ch in keep)
    return f"{first}.{last}"


class _QuickRandom(random.Random):
    """A seeded ``random.Random`` with cheap single draws.

    ``int(random() * n)`` is several times faster than ``randrange(n)``, and its bias (about
    n / 2**53) does not matter for synthetic data; 30,000 rows take about a million draws.
    """

    def pick(self, items: Sequence[_T]) -> _T:
        """Return one of `items`, uniformly."""
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """Return an integer from `low` to `high` inclusive."""
        return low + int(self.random() * (high - low + 1))

    def draw(self, items: Sequence[_T], cum_weights: Sequence[float]) -> _T:
        """Return one of `items`, chosen by cumulative weights."""
        return items[bisect.bisect(cum_weights, self.random() * cum_weights[-1])]

    def pick_distinct(self, items: Sequence[_T], count: int) -> list[_T]:
        """Return `count` items drawn without replacement, in random order."""
        pool = list(items)
        for position in range(count):
            swap = position + int(self.random() * (len(pool) - position))
            pool[position], pool[swap] = pool[swap], pool[position]
        return pool[:count]


@functools.cache
def _level_cum_weights(base: float) -> tuple[float, float, float, float]:
    """Return the cumulative chances of levels 1-4 for `base` plus normal noise, rounded."""
    cdf = NormalDist(base, LEVEL_SPREAD).cdf
    return (cdf(1.5), cdf(2.5), cdf(3.5), 1.0)


def _level(rng: _QuickRandom, base: float) -> int:
    """Draw a skill level from 1 to 4 around `base`."""
    # Bases are multiples of 0.05, so a handful of tables serve every draw.
    return rng.draw(LEVELS, _level_cum_weights(round(base, 2)))


def _years_phrase(years: int) -> str:
    """Describe a career length as it follows a job title."""
    if years == 0:
        return ", new to libraries this year"
    if years == 1:
        return " with 1 year in libraries"
    return f" with {years} years in libraries"


class _Generator:
    """Build rows one at a time from a seeded random stream."""

    def __init__(self, rng: _QuickRandom, skill_ids: Sequence[str], taxonomy: _Taxonomy) -> None:
        self.rng = rng
        self.skill_ids = list(dict.fromkeys(skill_ids))
        self.available = set(self.skill_ids)
        self.taxonomy = taxonomy
        self.phrases = {skill: _phrase(self.name_of(skill)) for skill in self.skill_ids}
        learn_weights = [
            EMERGING_WEIGHT if skill in EMERGING_SKILLS else 1.0 for skill in self.skill_ids
        ]
        self.learn_cum_weights = list(accumulate(learn_weights))
        self.used_locals: set[str] = set()
        self.name_counts: dict[str, int] = {}
        # Profiles reduced to the skills on offer, so custom taxonomies work too.
        self.core_slots = {key: self._usable(profile.core) for key, profile in PROFILES.items()}
        self.optional_core = {
            key: [position for position in range(2, len(slots)) if slots[position]]
            for key, slots in self.core_slots.items()
        }
        self.secondary_slots = {
            key: [slot for slot in self._usable(profile.secondary) if slot]
            for key, profile in PROFILES.items()
        }
        self.wants = {
            key: [skill for skill in profile.wants if skill in self.available]
            for key, profile in PROFILES.items()
        }

    def _usable(self, slots: Sequence[Slot]) -> list[tuple[str, ...]]:
        """Return each slot's alternatives that exist in the taxonomy (possibly none)."""
        usable = []
        for slot in slots:
            alternatives = (slot,) if isinstance(slot, str) else slot
            usable.append(tuple(skill for skill in alternatives if skill in self.available))
        return usable

    def _pick(self, alternatives: tuple[str, ...]) -> str:
        """Choose one of a slot's alternatives, favouring the earlier ones."""
        if len(alternatives) == 1:
            return alternatives[0]
        weights = range(len(alternatives), 0, -1)
        return self.rng.choices(alternatives, weights=weights)[0]

    def name_of(self, skill_id: str) -> str:
        """Return a skill's display name (its id, spaced, when the taxonomy lacks it)."""
        return self.taxonomy.names.get(skill_id) or skill_id.replace("_", " ")

    def phrase_of(self, skill_id: str) -> str:
        """Return a skill's name as it reads mid-sentence."""
        return self.phrases.get(skill_id) or _phrase(self.name_of(skill_id))

    def person_name_and_email(self) -> tuple[str, str]:
        """Return a new person's name and an email address no one else has."""
        rng = self.rng
        name = f"{rng.pick(FIRST_NAMES)} {rng.pick(LAST_NAMES)}"
        local = _email_local_part(name)
        # Local parts are built from letters only, so "name" + a number never collides with
        # another person's un-numbered local part.
        count = self.name_counts.get(local, 0) + 1
        candidate = local if count == 1 else f"{local}{count}"
        while candidate in self.used_locals:
            count += 1
            candidate = f"{local}{count}"
        self.name_counts[local] = count
        self.used_locals.add(candidate)
        return name, f"{candidate}@{EMAIL_DOMAIN}"

    def skills_for(
        self, profile_key: str, role: str, years: int
    ) -> tuple[dict[str, int], list[str | None], str | None]:
        """Return levels by skill id, the held skill of each core slot, and a past system."""
        rng = self.rng
        core_base, secondary_base = ROLE_LEVEL_BASES[role]
        experience = max(-0.5, min(0.5, (years - 8) / 20))
        target = min(len(self.skill_ids), round(rng.triangular(MIN_SKILLS, MAX_SKILLS, 9)))

        core_slots = self.core_slots[profile_key]
        optional = self.optional_core[profile_key]
        positions = [position for position in (0, 1) if position < len(core_slots)]
        positions += rng.pick_distinct(optional, min(len(optional), rng.between(2, 4)))
        core: list[str | None] = [None] * len(core_slots)
        levels: dict[str, int] = {}
        for position in positions:
            if core_slots[position] and len(levels) < target:
                skill = self._pick(core_slots[position])
                if skill not in levels:
                    core[position] = skill
                    levels[skill] = _level(rng, core_base + experience)

        secondary_slots = self.secondary_slots[profile_key]
        for slot in rng.pick_distinct(secondary_slots, min(len(secondary_slots), rng.between(2, 5))):
            if len(levels) >= target:
                break
            levels.setdefault(self._pick(slot), _level(rng, secondary_base + experience))

        previous = None
        has_alternatives = core[0] is not None and len(core_slots[0]) > 1
        if has_alternatives and len(levels) < MAX_SKILLS and rng.random() < 0.5:
            previous = rng.pick([skill for skill in core_slots[0] if skill != core[0]])
            levels[previous] = max(levels.get(previous, 0), rng.pick((2, 2, 3)))

        attempts = 0
        while len(levels) < target and attempts < 10 * MAX_SKILLS:
            attempts += 1
            skill = rng.pick(self.skill_ids)
            if skill not in levels:
                levels[skill] = rng.draw((1, 2, 3), (0.6, 0.95, 1.0))

        if role != "mentee":
            # Someone who offers to mentor is proficient at something.
            for skill in sorted(levels, key=levels.__getitem__, reverse=True)[:2]:
                levels[skill] = max(levels[skill], 3)
        return levels, core, previous

    def learn_for(self, profile_key: str, role: str, levels: Mapping[str, int]) -> list[str]:
        """Return the skills a person asks to learn, most wanted first."""
        rng = self.rng
        if role == "mentor":
            wanted = 1 if rng.random() < 0.15 else 0
        elif role == "both":
            wanted = rng.draw((1, 2, 3), (0.4, 0.8, 1.0))
        else:
            wanted = rng.draw((1, 2, 3, 4), (0.2, 0.55, 0.85, 1.0))
        wants = self.wants[profile_key]
        learn: list[str] = []
        attempts = 0
        while len(learn) < wanted and attempts < 50:
            attempts += 1
            if wants and rng.random() < 0.55:
                skill = rng.pick(wants)
            else:
                skill = rng.draw(self.skill_ids, self.learn_cum_weights)
            if skill not in learn and levels.get(skill, 0) <= 1:
                learn.append(skill)
        return learn

    def goals_for(self, role: str, learn: Sequence[str], strengths: Sequence[str]) -> str:
        """Write one or two sentences about what the person wants from mentoring."""
        rng = self.rng
        fill = {"core0": strengths[0], "core1": strengths[1]}
        if not learn:
            return rng.pick(MENTOR_GOALS).format(**fill)
        phrases = [self.phrase_of(skill) for skill in learn]
        categories = [self.taxonomy.categories.get(skill, "") for skill in learn]
        reasons = SKILL_REASONS.get(learn[0]) or CATEGORY_REASONS.get(categories[0], DEFAULT_REASONS)
        reason = rng.pick(reasons)
        verb = rng.pick(LEARN_VERBS)
        if len(phrases) == 1:
            first = f"{verb} {phrases[0]} {reason}."
        elif len(phrases) == 2 and categories[0] == categories[1] and learn[0] not in SKILL_REASONS:
            # Only skills of one kind share a reason.
            first = f"{verb} {phrases[0]} and {phrases[1]} {reason}."
        else:
            first = f"{verb} {phrases[0]} {reason}; after that, {_join(phrases[1:])}."
        if role == "both" and rng.random() < 0.5:
            return f"{first} {rng.pick(BOTH_OFFERS).format(**fill)}"
        if rng.random() < 0.4:
            return f"{first} {rng.pick(GOAL_CLOSERS)}"
        return first

    def bio_for(
        self,
        title: str,
        years: int,
        profile: Profile,
        core: Sequence[str | None],
        previous: str | None,
    ) -> str:
        """Write a short bio: title, years in libraries and something the person has done."""
        rng = self.rng
        fill = {
            f"core{position}": self.phrase_of(skill)
            for position, skill in enumerate(core)
            if skill is not None
        }
        if previous:
            fill["prev0"] = self.phrase_of(previous)
        feats = JUNIOR_FEATS if years < 4 else profile.feats
        usable = [feat for feat in feats if _fits(feat, fill)]
        if not usable:
            usable = [feat for feat in JUNIOR_FEATS if _fits(feat, fill)]
        feat = rng.pick(usable).format(**fill) if usable else "works across our library systems"
        bio = f"{title}{_years_phrase(years)}; {feat}."
        if rng.random() < 0.35:
            bio += " " + rng.pick(BIO_BACKGROUNDS)
        return bio


@functools.cache
def _placeholders(template: str) -> frozenset[str]:
    """Return the names of the ``{placeholders}`` in a template."""
    return frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field)


def _fits(template: str, fill: Mapping[str, str]) -> bool:
    """Tell whether every placeholder of `template` has a value in `fill`."""
    return _placeholders(template) <= fill.keys()


def _active_departments(rng: _QuickRandom, count: int) -> list[str]:
    """Choose enough departments that about one person in eight can head one."""
    wanted = max(1, min(len(DEPARTMENTS), round(count * HEAD_SHARE)))
    remaining = list(DEPARTMENTS)
    chosen: list[str] = []
    while len(chosen) < wanted:
        weights = [DEPARTMENT_WEIGHTS[name] for name in remaining]
        department = rng.choices(remaining, weights=weights)[0]
        remaining.remove(department)
        chosen.append(department)
    return chosen


def generate_staff(
    count: int, *, seed: int = 0, skill_ids: Sequence[str] | None = None
) -> list[dict[str, str]]:
    """Return `count` synthetic staff rows in the profile CSV format (all values are strings)."""
    if count < 0:
        raise ValueError(f"count must be zero or more, got {count}")
    try:
        taxonomy = _load_taxonomy(DEFAULT_TAXONOMY_PATH)
    except OSError:
        if skill_ids is None:
            raise
        # A caller with its own skill ids does not need the default file; names fall back to ids.
        taxonomy = _Taxonomy({}, {})
    if skill_ids is None:
        skill_ids = list(taxonomy.names)
    if not skill_ids:
        raise ValueError("skill_ids must not be empty")

    rng = _QuickRandom(seed)
    generator = _Generator(rng, skill_ids, taxonomy)
    departments = _active_departments(rng, count)
    department_weights = list(accumulate(DEPARTMENT_WEIGHTS[name] for name in departments))
    title_weights = {
        name: list(accumulate(weight for *_, weight in titles))
        for name, titles in DEPARTMENTS.items()
    }
    capacities = list(MENTOR_CAPACITY_WEIGHTS)
    capacity_weights = list(accumulate(MENTOR_CAPACITY_WEIGHTS.values()))
    forced_heads = len(departments)
    extra_head_chance = max(0.0, (count * HEAD_SHARE - forced_heads) / max(1, count - forced_heads))
    heads_by_department: dict[str, list[str]] = {}

    rows: list[dict[str, str]] = []
    for _ in range(count):
        department = rng.draw(departments, department_weights)
        heads = heads_by_department.setdefault(department, [])
        is_head = not heads or rng.random() < extra_head_chance
        titles = DEPARTMENTS[department]
        if is_head:
            title, profile_key = f"Head of {department}", titles[0][1]
            role = rng.draw(ROLES, HEAD_ROLE_CUM_WEIGHTS)
            years = rng.between(10, 32)
        else:
            title, profile_key, _ = rng.draw(titles, title_weights[department])
            role = rng.draw(ROLES, STAFF_ROLE_CUM_WEIGHTS)
            years = rng.between(*ROLE_YEARS[role])

        name, email = generator.person_name_and_email()
        levels, core, previous = generator.skills_for(profile_key, role, years)
        learn = generator.learn_for(profile_key, role, levels)
        ranked = sorted(levels, key=lambda skill: (-levels[skill], skill))
        strengths = [generator.phrase_of(skill) for skill in [*filter(None, core), *ranked][:2]]
        strengths += strengths[:1] * (2 - len(strengths))

        teach = ""
        capacity = ""
        if role != "mentee":
            capacity = str(rng.draw(capacities, capacity_weights))
            strong = [skill for skill in ranked if levels[skill] >= 3]
            if strong and rng.random() < 0.3:
                teach = "; ".join(strong[: rng.between(1, min(4, len(strong)))])

        rows.append(
            {
                "email": email,
                "name": name,
                "department": department,
                "manager_email": "" if is_head else rng.pick(heads),
                "role": role,
                "capacity": capacity,
                "skills": "; ".join(f"{skill}={levels[skill]}" for skill in ranked),
                "learn": "; ".join(learn),
                "teach": teach,
                "goals": generator.goals_for(role, learn, strengths),
                "bio": generator.bio_for(title, years, PROFILES[profile_key], core, previous),
            }
        )
        if is_head:
            heads.append(email)
    return rows


def write_staff_csv(path: str | os.PathLike[str], rows: Iterable[Mapping[str, str]]) -> None:
    """Write `rows` to `path` as UTF-8 CSV with the header `CSV_COLUMNS`."""
    with open(path, "w", encoding="utf-8", newline="") as csv_file:
        writer = csv.DictWriter(csv_file, fieldnames=CSV_COLUMNS, extrasaction="raise")
        writer.writeheader()
        writer.writerows(rows)
