namespace FinGuard.Core.Policy;

/// <summary>
/// The resolved policy for one evaluation. <see cref="Default"/> is what a repository without a policy file
/// gets: safe by default (every commit signed).
/// </summary>
public sealed record FinGuardPolicy
{
    /// <summary>GitHub's pull request commits API lists at most this many commits.</summary>
    public const int GitHubCommitListLimit = 250;

    public static FinGuardPolicy Default { get; } = new();

    public SignedCommitsPolicy SignedCommits { get; init; } = new();
}

/// <summary>Settings of the <c>signed-commits</c> control.</summary>
public sealed record SignedCommitsPolicy
{
    public bool Enabled { get; init; } = true;
}
