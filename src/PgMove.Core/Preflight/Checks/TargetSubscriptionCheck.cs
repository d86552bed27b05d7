using PgMove.Core.Migrations;

namespace PgMove.Core.Preflight.Checks;

/// <summary>
/// The subscription method creates a subscription on the target: as a superuser, or through the aiven_extras
/// extension's SECURITY DEFINER functions where the managed service offers them.
/// </summary>
internal sealed class TargetSubscriptionCheck : CheckBase
{
    public override string Id => "target.subscription";

    public override CheckNeeds Needs => CheckNeeds.Target;

    protected override Task<CheckResult> CheckAsync(PreflightContext context, CancellationToken ct)
    {
        if (context.Method != MigrationMethod.Subscription)
            return Task.FromResult(Skip("Only the subscription method creates subscriptions on the target."));
        var target = context.Target!;
        if (target.IsSuperuser)
            return Task.FromResult(Pass($"Target user '{target.CurrentUser}' is a superuser: subscriptions are created with CREATE SUBSCRIPTION."));
        if (context.TargetExtensions.Any(e => e.Name == "aiven_extras"))
            return Task.FromResult(Pass($"Target user '{target.CurrentUser}' is not a superuser; subscriptions are created through the aiven_extras extension (installed in each target database)."));
        return Task.FromResult(Fail(
            $"Target user '{target.CurrentUser}' is not a superuser and the target offers no aiven_extras extension, so it cannot create subscriptions.",
            "Use --method relay (PgMove applies the changes itself; the target needs no subscription right), or connect to the target as a superuser."));
    }
}
