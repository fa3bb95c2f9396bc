using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;

namespace Coordination.Core.Messaging;

/// <summary>One call for an agent that (re)starts: its most urgent pending messages plus a compact picture of the swarm.</summary>
public sealed class CatchUpService(Mailbox mailbox, SwarmService swarms, MembershipService members, EventSequencer sequencer)
{
    /// <summary>Pending messages returned when the request does not say.</summary>
    public const int DefaultLimit = 5;

    /// <summary>Builds the catch-up; the returned messages are marked delivered.</summary>
    public async Task<CatchUpResponse> CatchUpAsync(string swarmId, Caller caller, CatchUpRequest? request, CancellationToken cancellationToken)
    {
        var limit = Validation.InRange(request?.Limit ?? DefaultLimit, "limit", 1, 50);
        var (pending, more) = await mailbox.PendingAsync(swarmId, caller, limit, cancellationToken).ConfigureAwait(false);
        var swarm = await swarms.GetAsync(swarmId, caller, cancellationToken).ConfigureAwait(false);
        var list = await members.ListAsync(swarmId, cancellationToken).ConfigureAwait(false);
        var last = await sequencer.LastSequenceAsync(swarmId, cancellationToken).ConfigureAwait(false);
        return new CatchUpResponse(pending, more, swarm,
            list.Select(m => new MemberSummary(m.AgentId, SwarmRows.RoleText(m.Role), m.Status)).ToList(), last);
    }
}
