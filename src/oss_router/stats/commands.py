"""``oss-router stats --year YYYY``: the yearly statistics (Directive 2023/977 Art. 18)."""

import argparse
import asyncio
import sys

from oss_router.clock import utcnow
from oss_router.config import Settings, get_settings
from oss_router.db import create_engine, create_sessionmaker
from oss_router.progress import Progress
from oss_router.stats import export as stats_export
from oss_router.stats import service as stats_service
from oss_router.stats.schemas import StatsRead


def stats(args: argparse.Namespace) -> int:
    progress = Progress(f"statistics {args.year}", total=len(stats_service.STEPS))
    result = asyncio.run(_stats_async(get_settings(), args.year, progress))
    progress.finish()
    text = stats_export.to_csv(result) if args.format == "csv" else stats_export.to_json(result)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


async def _stats_async(settings: Settings, year: int, progress: Progress) -> StatsRead:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await stats_service.yearly_stats(
                session, year, utcnow(), progress=lambda step: progress.advance(note=step)
            )
    finally:
        await engine.dispose()
