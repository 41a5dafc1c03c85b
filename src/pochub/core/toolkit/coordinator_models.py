"""The four PoC coordinator models of the DPKO/DFS comparative study, side by side.

The study found no model right everywhere: which one suits a mission depends on the authority and resources the
coordinator has, on the mission's size and on how decentralised it is. Each profile says how the model works,
its advantages and drawbacks, the contexts it suits and what it needs to work; ``FACTORS`` rates the models on
the deciding factors (indicative ratings, to open a discussion, not to close it).
"""

from __future__ import annotations

from dataclasses import dataclass

from pochub.core.models.coordination import CoordinatorModel
from pochub.core.text import N_


@dataclass(frozen=True)
class CoordinatorModelProfile:
    """One coordinator model as the comparison presents it."""

    model: CoordinatorModel
    title: str
    coordinator: str
    how_it_works: str
    advantages: tuple[str, ...]
    drawbacks: tuple[str, ...]
    suited_contexts: tuple[str, ...]
    needs: tuple[str, ...]
    template: str
    """The file name of the structure template shipped for this model."""


@dataclass(frozen=True)
class Factor:
    """A deciding factor and how each model fares on it (low / medium / high)."""

    name: str
    question: str
    ratings: tuple[tuple[CoordinatorModel, str], ...]

    def rating(self, model: CoordinatorModel) -> str:
        """This model's rating."""
        return dict(self.ratings)[model]


PROFILES: tuple[CoordinatorModelProfile, ...] = (
    CoordinatorModelProfile(
        model=CoordinatorModel.POC_ADVISERS,
        title=N_("PoC advisers as coordinators"),
        coordinator=N_(
            "A Senior PoC Adviser and a PoC unit at mission headquarters, with PoC advisers or focal "
            "points in the field offices, reporting directly to the Head of Mission or a deputy."
        ),
        how_it_works=N_(
            "The Senior PoC Adviser chairs the mission PoC working group, runs the threat matrix and acts "
            "as secretariat of the senior leadership forum; field PoC focal points are secretaries of the field "
            "working groups chaired by the Heads of Office."
        ),
        advantages=(
            N_(
                "Full-time, dedicated PoC expertise and a single address for PoC inside and outside the mission."
            ),
            N_("Continuity: the strategy, the threat matrix and the coordination calendar have an owner."),
            N_(
                "Neutral between sections and components, so it can broker joint civilian-military-police work."
            ),
            N_("Direct line to the Head of Mission gives PoC issues a route to the top."),
        ),
        drawbacks=(
            N_("Other components may treat PoC as 'the PoC unit's job' rather than a whole-of-mission task."),
            N_(
                "An adviser has influence, not command: without leadership backing, tasking components stalls."
            ),
            N_("Needs posts and budget; a small unit is quickly overwhelmed in a crisis or a large mission."),
        ),
        suited_contexts=(
            N_("Large multidimensional missions where PoC is the priority mandate."),
            N_("Missions with many field offices that need common tools and a mission-wide picture."),
            N_("Contexts with several protection actors (sections, humanitarians) needing one interlocutor."),
        ),
        needs=(
            N_("A senior post (P-5 or above) with direct access to the Head of Mission."),
            N_("Field focal points whose PoC function is written into their work plans."),
            N_("A leadership directive that tasks components to take part."),
        ),
        template="poc_advisers_as_coordinators.yaml",
    ),
    CoordinatorModelProfile(
        model=CoordinatorModel.SUBSTANTIVE_SECTIONS,
        title=N_("Substantive sections as coordinators"),
        coordinator=N_(
            "A substantive section with a wide field presence, most often Civil Affairs (or Human Rights), "
            "is given the PoC coordination function on top of its own mandate."
        ),
        how_it_works=N_(
            "The director of the lead section chairs the operational PoC forum and its staff provide the "
            "secretariat; in the field the section's team leaders are the PoC focal points and run the local "
            "protection forums for the Heads of Office."
        ),
        advantages=(
            N_(
                "Builds on a section that already has staff, networks and community contacts across the field."
            ),
            N_("Little new structure or budget: PoC coordination starts quickly."),
            N_(
                "Ties PoC to the section's substantive work (local conflict management, monitoring and reporting)."
            ),
        ),
        drawbacks=(
            N_("PoC competes with the section's other tasks and can slide down its priorities."),
            N_("Other sections and the uniformed components may see the lead section as partial."),
            N_("A section director has little leverage over the force and police; joint planning suffers."),
            N_(
                "Coordination may follow the section's lens (e.g. monitoring rather than physical protection)."
            ),
        ),
        suited_contexts=(
            N_(
                "Missions whose PoC threats are mainly local and inter-communal, where civil affairs leads engagement."
            ),
            N_("Start-up or drawdown phases without a dedicated PoC post."),
            N_("Missions with a strong, well-deployed section and a moderate military presence."),
        ),
        needs=(
            N_("An explicit designation by the Head of Mission so that other components accept the lead."),
            N_("Protected time in the section's work plan for the coordination function."),
            N_("A military and a police liaison embedded in the operational forum."),
        ),
        template="substantive_sections_as_coordinators.yaml",
    ),
    CoordinatorModelProfile(
        model=CoordinatorModel.GROUPS,
        title=N_("Groups (forums) as coordinators"),
        coordinator=N_(
            "No single owner: a standing protection forum of the components and sections, with a rotating "
            "or joint chair, collectively coordinates PoC."
        ),
        how_it_works=N_(
            "A co-chaired mission protection forum (for example a deputy head of mission and the force "
            "chief of operations) decides by consensus; the secretariat rotates among members; field protection "
            "forums, with humanitarian partners as observers, mirror it locally."
        ),
        advantages=(
            N_("Collective ownership: every component is at the table and shares the decisions."),
            N_("Brings civilian, military, police and humanitarian perspectives into one analysis."),
            N_("Resilient to the absence or rotation of any single person."),
        ),
        drawbacks=(
            N_("Diffuse accountability: when everyone coordinates, no one answers for follow-up."),
            N_("Consensus is slow; a forum meeting weekly cannot steer a response in hours."),
            N_("Quality depends on attendance and on the seniority of the people sent."),
            N_("A rotating secretariat loses records and action points between rotations."),
        ),
        suited_contexts=(
            N_("Missions where components are of comparable weight and none would accept another's lead."),
            N_("Stable periods where prevention and consolidation dominate over crisis response."),
            N_("As the deliberative layer of another model, with a named coordinator behind it."),
        ),
        needs=(
            N_("Terms of reference with a quorum, a fixed secretariat and an escalation path."),
            N_(
                "A record of decisions and action points with owners and deadlines, reviewed at every meeting."
            ),
            N_("A crisis cell (the JOC) that can act between meetings."),
        ),
        template="groups_as_coordinators.yaml",
    ),
    CoordinatorModelProfile(
        model=CoordinatorModel.HEADS_OF_MISSION,
        title=N_("Heads of mission (or office) as coordinators"),
        coordinator=N_(
            "The Head of Mission, or a deputy, coordinates PoC personally at headquarters; in the field the "
            "Heads of Office do the same."
        ),
        how_it_works=N_(
            "Senior leadership chairs the PoC forums at every level and tasks components directly; the "
            "Chief of Staff's office (and the Heads of Office's staff in the field) provide the secretariat."
        ),
        advantages=(
            N_("Maximum authority: decisions are taken and resources moved in the same meeting."),
            N_("Signals that PoC is the mission's priority, which brings every component along."),
            N_("Fast in a crisis: the person who decides is the person who coordinates."),
        ),
        drawbacks=(
            N_("Leaders' time is scarce; PoC coordination slips when political crises compete for it."),
            N_("Depends on the individual: coordination weakens when the leader rotates or loses interest."),
            N_("Without a PoC specialist behind the leader, analysis and follow-up are thin."),
        ),
        suited_contexts=(
            N_("Small or compact missions where leadership can oversee the whole area."),
            N_("Acute crises where PoC dominates the mission's agenda."),
            N_("Highly decentralised missions where Heads of Office hold real authority in their areas."),
        ),
        needs=(
            N_("A small PoC support capacity (an adviser or officer) in the leader's office."),
            N_("A standing deputy to chair when the leader cannot."),
            N_("Delegation of PoC coordination to Heads of Office with the means to act."),
        ),
        template="heads_of_mission_as_coordinators.yaml",
    ),
)
"""The four models, in the study's order."""

MODEL_LABELS: dict[str, str] = {p.model.value: p.title for p in PROFILES}
"""The readable name of each coordinator model code (translated at the edge)."""

_M = CoordinatorModel
FACTORS: tuple[Factor, ...] = (
    Factor(N_("Authority of the coordinator"), N_("Can the coordinator task components and move resources?"),
           ((_M.POC_ADVISERS, "medium"), (_M.SUBSTANTIVE_SECTIONS, "low"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "high"))),
    Factor(N_("Dedicated resources"), N_("Are staff and time set aside for PoC coordination?"),
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "medium"), (_M.GROUPS, "low"),
            (_M.HEADS_OF_MISSION, "low"))),
    Factor(N_("PoC expertise"), N_("Does the coordinator bring specialist PoC knowledge?"),
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "medium"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "low"))),
    Factor(N_("Ownership across components"), N_("Do all components see PoC as their own task?"),
           ((_M.POC_ADVISERS, "medium"), (_M.SUBSTANTIVE_SECTIONS, "low"), (_M.GROUPS, "high"),
            (_M.HEADS_OF_MISSION, "high"))),
    Factor(N_("Speed in a crisis"), N_("Can the structure decide within hours?"),
           ((_M.POC_ADVISERS, "medium"), (_M.SUBSTANTIVE_SECTIONS, "low"), (_M.GROUPS, "low"),
            (_M.HEADS_OF_MISSION, "high"))),
    Factor(N_("Continuity across rotations"), N_("Does coordination survive a change of people?"),
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "medium"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "low"))),
    Factor(N_("Fit for large, decentralised missions"), N_("Does it hold up across many field offices?"),
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "high"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "medium"))),
)  # fmt: skip
"""The deciding factors the study names (authority, resources, size, decentralisation) and a few that follow."""


def profile(model: CoordinatorModel) -> CoordinatorModelProfile:
    """The profile of one model."""
    return next(p for p in PROFILES if p.model == model)
