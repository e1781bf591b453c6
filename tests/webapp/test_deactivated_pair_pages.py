"""A deactivated person's pair: ended with why on the other side's page, never shown as live."""

from __future__ import annotations

import re

from tests.webapp.conftest import csrf_token


def test_the_mentee_of_a_deactivated_mentor_sees_the_pair_ended_and_waits(as_role, ids):
    coordinator = as_role("coordinator")
    token = csrf_token(coordinator, "/coordinator/people")
    done = coordinator.post(f"/coordinator/people/{ids['mentor']}/deactivate",
                            data={"csrf_token": token})
    assert done.status_code == 303
    html = re.sub(r"\s+", " ", as_role("mentee").get("/matches").get_data(as_text=True))
    assert "Your mentor" not in html and "status-proposed" not in html
    assert ("Your pair with your mentor Mina Mentor (Spring): ended, one of the pair was "
            "deactivated") in html
    assert "You are waiting for a new mentor" in html
    pair = as_role("mentee").get(f"/matches/{ids['match']}").get_data(as_text=True)
    assert "Cora Coordinator ended the pair (one of the pair was deactivated)" in pair
    review = coordinator.get(f"/coordinator/rounds/{ids['round']}").get_data(as_text=True)
    assert 'class="tag status-ended"' in review and "one of the pair was deactivated" in review
