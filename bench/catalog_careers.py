"""Benchmark: the public /careers/ list over 200,000 catalog entries (target: p95 < 50 ms on
PostgreSQL, the same number of queries for every search).

Builds `--tenants` companies and `--entries` public job entries (each with its own source job,
as the (tenant, source_job) key requires), written with bulk inserts: varied titles (seniority x
role), 14 categories, 40 locations, the three remote policies and five employment types, skills
from a pool of 60 (a few rare ones), descriptions of ~600 characters from sentence templates and a
vocabulary of a few hundred words, published over the last 120 days, some with a closing date
(2% already past: the page must skip them). Then VACUUM ANALYZE, and times the list through
Django's test Client (server time, in-process) for realistic requests: no filter, a common word,
a rare word, two words, search + filter, filter only, page 5. The filter options are cached
(warmed before timing; the cold request is printed apart).

Prints per request p50/p95 ms and SQL queries, the overall p95 and the machine's load average.
With --explain, prints EXPLAIN ANALYZE of each request's SQL.

    DATABASE_URL=postgres://... .venv/bin/python bench/catalog_careers.py [--entries 200000] [--repeat 40] [--explain]

Runs on a throwaway test database of the configured engine (DATABASE_URL, else SQLite).
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

from _setup import throwaway_database
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

SENIORITY = ["", "Junior ", "Senior ", "Lead ", "Principal ", "Staff ", "Head of ", "Working Student "]
ROLES = {
    "Engineering": ["Backend Developer", "Frontend Developer", "Software Engineer", "DevOps Engineer",
                    "Mobile Developer", "QA Engineer", "Site Reliability Engineer", "Embedded Engineer"],
    "Data": ["Data Engineer", "Data Scientist", "Data Analyst", "Machine Learning Engineer"],
    "Design": ["Product Designer", "UX Researcher", "Graphic Designer", "UI Designer"],
    "Product": ["Product Manager", "Product Owner", "Technical Product Manager"],
    "Sales": ["Account Executive", "Sales Development Representative", "Key Account Manager"],
    "Marketing": ["Marketing Manager", "Content Writer", "SEO Specialist", "Performance Marketer"],
    "Customer Success": ["Customer Success Manager", "Support Specialist", "Onboarding Manager"],
    "Finance": ["Accountant", "Financial Controller", "Payroll Specialist"],
    "People": ["Recruiter", "HR Business Partner", "Talent Acquisition Lead"],
    "Operations": ["Operations Manager", "Office Manager", "Project Coordinator"],
    "Logistics": ["Warehouse Associate", "Forklift Driver", "Dispatcher", "Supply Chain Planner"],
    "Health": ["Nurse", "Care Assistant", "Physiotherapist", "Medical Assistant"],
    "Hospitality": ["Chef", "Barista", "Hotel Receptionist", "Kitchen Porter"],
    "Legal": ["Legal Counsel", "Paralegal", "Compliance Officer"],
}  # fmt: skip
CATEGORIES = list(ROLES)
CITIES = ["Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt", "Stuttgart", "Düsseldorf", "Leipzig",
          "Dresden", "Hanover", "Nuremberg", "Bremen", "Essen", "Dortmund", "Vienna", "Graz", "Zurich",
          "Basel", "Geneva", "Amsterdam", "Rotterdam", "Utrecht", "Brussels", "Antwerp", "Paris", "Lyon",
          "Lisbon", "Porto", "Madrid", "Barcelona", "Milan", "Turin", "Warsaw", "Krakow", "Prague", "Brno",
          "Copenhagen", "Stockholm", "Oslo", "Helsinki"]  # fmt: skip
COMMON_SKILLS = ["Python", "Java", "JavaScript", "TypeScript", "SQL", "Excel", "English", "German",
                 "Communication", "Teamwork", "React", "Docker", "AWS", "Linux", "Go", "Kotlin", "Swift",
                 "Figma", "Salesforce", "SAP", "Tableau", "Power BI", "Scrum", "Jira", "Photoshop",
                 "Kubernetes", "Terraform", "PostgreSQL", "Django", "Spring", "Node.js", "Vue", "Angular",
                 "C#", ".NET", "PHP", "Ruby", "Rust", "Spark", "Airflow", "HubSpot", "Google Ads",
                 "Forklift licence", "First aid", "Driving licence", "French", "Spanish", "Italian",
                 "Dutch", "Polish", "Accounting", "DATEV", "Negotiation", "Customer service",
                 "Cooking", "HACCP", "Nursing", "Pharmacology"]  # fmt: skip
RARE_SKILLS = ["Haskell", "Erlang", "COBOL", "Fortran", "OCaml"]  # ~0.1% of the entries each
VOCABULARY = (  # noqa: SIM905 (a paragraph reads better than 130 quoted words)
    "team product customers platform growth quality ownership impact mission culture flexible "
    "hours remote office budget training learning mentoring career development benefits pension "
    "bike lease gym lunch coffee fruit events offsite diverse inclusive international friendly "
    "fast growing startup scaleup enterprise market leader innovative sustainable green energy "
    "mobility fintech healthtech edtech logistics retail ecommerce travel food gaming media "
    "security privacy payments banking insurance real estate construction manufacturing "
    "automotive aerospace pharma biotech research science analytics cloud infrastructure "
    "reliability performance scale millions users daily weekly release deploy pipeline testing "
    "review pairing agile kanban roadmap stakeholder strategy planning reporting budget forecast "
    "process improvement efficiency automation tools documentation support onboarding shifts "
    "weekend night morning afternoon contract permanent temporary probation salary bonus equity "
    "vacation days parental leave relocation visa sponsorship language courses laptop phone"
).split()
SENTENCES = [
    "We are looking for a {title} to join our {category} team in {city}.",
    "You will work with {skill1} and {skill2} every day and help us {word1} our {word2}.",
    "Our {word1} {word2} team builds {word3} for {word4} {word5}.",
    "We offer {word1} {word2}, {word3} and {word4} {word5}.",
    "Experience with {skill1} is a plus; {skill2} is nice to have.",
    "The role is based in {city} with {word1} {word2} and {word3}.",
]
MINUTES = 120 * 24 * 60

# (label, query string): what visitors type and click.
REQUESTS = [
    ("no filter", ""),
    ("common word", "q=manager"),
    ("very common word", "q=team"),
    ("mid-frequency word", "q=kubernetes"),
    ("rare word", "q=haskell"),
    ("two words", "q=python+berlin"),
    ("three words", "q=senior+backend+developer"),
    ("no match", "q=astronaut"),
    ("search + filter", "q=developer&remote=remote"),
    ("search + two filters", "q=engineer&category=Engineering&type=full_time"),
    ("filter only", "category=Design"),
    ("location + remote", "location=Munich&remote=hybrid"),
    ("page 5", "page=5"),
    ("search, page 5", "q=manager&page=5"),
]


def build(tenants: int, entries: int):
    from django.utils import timezone
    from django.utils.text import slugify

    from catalog.models import PublicJobCatalog
    from catalog.sync.rows import SEARCH_DESCRIPTION_CHARS  # what the sync puts in the search text
    from people.models import EmploymentType, Tenant
    from people.tenancy import tenant_context
    from recruiting.models import JobPosting, JobStatus, RemotePolicy

    rng = random.Random(7)
    now = timezone.now()
    companies = Tenant.objects.bulk_create(
        [Tenant(name=f"{rng.choice(['Nord', 'Blue', 'Alpen', 'Rhein', 'Delta', 'Nova'])} "
                     f"{rng.choice(['Labs', 'Works', 'Systems', 'Health', 'Logistics', 'Foods'])} {t}",
                slug=f"bench-company-{t}") for t in range(tenants)]
    )  # fmt: skip
    policies, types = list(RemotePolicy.values), list(EmploymentType.values)
    per_tenant = -(-entries // tenants)
    batch = 5000
    for index, tenant in enumerate(companies):
        count = max(0, min(per_tenant, entries - index * per_tenant))
        with tenant_context(tenant):
            for low in range(0, count, batch):
                jobs = JobPosting.objects.bulk_create(
                    [JobPosting(title="x", reference_code=f"B-{low + i:07d}", status=JobStatus.PUBLISHED,
                                published_on_career_page=True) for i in range(min(batch, count - low))]
                )  # fmt: skip
                rows = []
                for job in jobs:
                    category = rng.choice(CATEGORIES)
                    title = rng.choice(SENIORITY) + rng.choice(ROLES[category])
                    city = rng.choice(CITIES)
                    skills = rng.sample(COMMON_SKILLS, rng.randint(1, 5))
                    if rng.random() < 0.005:
                        skills.append(rng.choice(RARE_SKILLS))
                    words = {f"word{n}": rng.choice(VOCABULARY) for n in range(1, 6)}
                    description = " ".join(
                        sentence.format(title=title, category=category, city=city, skill1=skills[0],
                                        skill2=skills[-1], **words)
                        for sentence in rng.sample(SENTENCES, 5)
                    ) + "\n\n" + " ".join(rng.choices(VOCABULARY, k=40))  # fmt: skip
                    published = now - timedelta(minutes=rng.randrange(MINUTES))
                    closing = rng.random()
                    closes_at = (
                        now - timedelta(days=1) if closing < 0.02
                        else now + timedelta(days=rng.randint(1, 60)) if closing < 0.3 else None
                    )  # fmt: skip
                    remote = rng.choice(policies)
                    salary = rng.random() < 0.4
                    rows.append(
                        PublicJobCatalog(
                            tenant=tenant, source_job=job, slug=slugify(title)[:80], synced_at=now,
                            source_updated_at=now, content_hash="0" * 32, title=title,
                            company_name=tenant.name, location=city, remote_policy=remote,
                            employment_type=rng.choice(types), category=category,
                            salary_min=rng.randrange(30, 90) * 1000 if salary else None,
                            salary_max=rng.randrange(90, 140) * 1000 if salary else None,
                            salary_currency="EUR" if salary else "", skills=skills, description=description,
                            requirements="Three years of experience.\nGerman or English.",
                            published_at=published, closes_at=closes_at,
                            search_text=" ".join([title, tenant.name, city, category, *skills,
                                                     description[:SEARCH_DESCRIPTION_CHARS]]),
                        )
                    )  # fmt: skip
                PublicJobCatalog.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def percentile(values, fraction) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(repeat: int, show_plans: bool) -> None:
    """Time every request of REQUESTS `repeat` times (after one warm-up) and print the figures."""
    client = Client()
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        started = time.perf_counter()
        client.get("/careers/")
        cold_ms = (time.perf_counter() - started) * 1000
    options_ms = sum(float(q["time"]) * 1000 for q in cold.captured_queries if "RECURSIVE" in q["sql"])
    print(f"first request (filter options not cached yet): {cold_ms:.1f} ms, {len(cold)} queries; "
          f"options query {options_ms:.1f} ms")  # fmt: skip

    print(f"\n{'request':<24}{'results':>9}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    every, query_counts = [], set()
    for label, query in REQUESTS:
        url = f"/careers/?{query}"
        client.get(url)  # warm the connection and PostgreSQL's buffers, as a live site has them
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        every += timings
        query_counts.add(len(captured))
        results = response.context["count_label"]
        print(f"{label:<24}{results:>9}{len(captured):>9}{statistics.median(timings):>9.1f}"
              f"{percentile(timings, 0.95):>9.1f}{max(timings):>9.1f}", flush=True)  # fmt: skip
        if show_plans and connection.vendor == "postgresql":
            for number, executed in enumerate(captured.captured_queries, 1):
                print(f"\n--- {label}, query {number}: {executed['sql'][:300]}\n{explain(executed['sql'])}\n")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\noverall: p50 {statistics.median(every):.1f} ms, p95 {percentile(every, 0.95):.1f} ms "
          f"(target < 50 ms on PostgreSQL); queries per request: {sorted(query_counts)}; "
          f"load average {load} on {os.cpu_count()} cores")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--tenants", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of every query")
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench database and reuse its entries next run"
    )
    args = parser.parse_args()
    with throwaway_database(keep=args.keep):
        from catalog.models import PublicJobCatalog

        started = time.perf_counter()
        if args.keep and PublicJobCatalog.objects.exists():
            print(f"reusing the kept database: {PublicJobCatalog.objects.count():,} entries", flush=True)
        else:
            build(args.tenants, args.entries)
            print(f"{args.entries:,} entries of {args.tenants} companies ready in {time.perf_counter() - started:.0f} s "
                  f"({connection.vendor}, cache {caches['default'].__class__.__name__})", flush=True)  # fmt: skip
        measure(args.repeat, args.explain)


if __name__ == "__main__":
    main()
