namespace FinGuard.Testing.FakeGitHub;

/// <summary>Finds the repository root (the directory holding <c>FinGuard.sln</c>) from the test output folder.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "FinGuard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Could not find FinGuard.sln in '{AppContext.BaseDirectory}' or any parent directory.");
    }
}
