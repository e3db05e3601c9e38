namespace FinGuard.Core.Policy.Yaml;

/// <summary>Which of the two policy files a document was read as.</summary>
public enum PolicyFileKind
{
    /// <summary><c>.github/finguard.yml</c> in the repository itself (read from the pull request's base branch).</summary>
    Repository,

    /// <summary>
    /// <c>finguard.yml</c> in the organisation's <c>.github</c> repository (its default branch): the defaults for every
    /// repository, and the only file that may mark a section <c>enforced</c>.
    /// </summary>
    Organisation,
}
