namespace FinGuard.Tests.Infrastructure;

/// <summary>Temporary folders for tests.</summary>
public static class TempDirectory
{
    public static string Create() => Directory.CreateTempSubdirectory("finguard-test-").FullName;

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a stopping host; the OS temp cleaner will take it.
        }
    }
}
