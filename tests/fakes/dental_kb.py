"""A small dental practice's knowledge base for the engine tests: weekday hours in Chicago,
Christmas closed, a whitening price, a cancellation policy, one FAQ, an emergency fact."""

from __future__ import annotations

from datetime import date

from voice_platform.knowledge.schemas import (
    FAQ,
    Categories,
    Emergencies,
    Fact,
    FAQs,
    Hours,
    HoursException,
    Interval,
    KnowledgeBase,
    Policies,
    Policy,
    Price,
    PriceItem,
    Pricing,
    Weekly,
)


def nine_to_five() -> list[Interval]:
    return [Interval(open="09:00", close="17:00")]


def dental_kb(*, emergency_phone: str | None = None) -> KnowledgeBase:
    return KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            hours=Hours(
                time_zone="America/Chicago",
                weekly=Weekly(
                    monday=nine_to_five(),
                    tuesday=nine_to_five(),
                    wednesday=nine_to_five(),
                    thursday=nine_to_five(),
                    friday=[Interval(open="09:00", close="13:00")],
                ),
                exceptions=[HoursException(date=date(2026, 12, 25), note="Christmas Day")],
            ),
            pricing=Pricing(items=[PriceItem(item="Teeth whitening", price=Price(amount=349))]),
            policies=Policies(
                policies=[
                    Policy(
                        title="Cancellations",
                        text="Please cancel 24 hours ahead. Late cancellations cost $50.",
                    )
                ]
            ),
            faqs=FAQs(
                faqs=[FAQ(question="Do you offer sedation?", answer="Yes, we offer laughing gas.")]
            ),
            emergencies=Emergencies(
                emergency_phone=emergency_phone,
                facts=[Fact(text="Knocked-out tooth: keep the tooth in milk and call us at once.")],
            ),
        ),
    )
