namespace KafkaTyped.Packaging.Tests;

/// <summary>
/// The path a new user takes: a project outside this repository that references the packed packages from a local
/// folder feed, declares a message and a handler, and runs against an embedded cluster.
/// </summary>
public sealed class ThrowawayProjectTests(PackedPackages packages)
{
    private const string SuccessMarker = "THROWAWAY-OK handled 5 of 5 greetings";

    [Fact]
    public async Task AProjectUsingOnlyThePackagesPublishesAndHandlesMessagesOnAnEmbeddedCluster()
    {
        var directory = CreateProject();

        var result = await DotnetCli.RunAsync(directory, PackedPackages.CommandTimeout, "run", "-c", "Release", "--disable-build-servers");

        Assert.True(result.ExitCode == 0, $"The throwaway project failed. {result.Describe()}");
        Assert.True(result.Output.Contains(SuccessMarker, StringComparison.Ordinal), $"The throwaway project did not print '{SuccessMarker}'. {result.Describe()}");
        Assert.Contains("user-0, user-1, user-2, user-3, user-4", result.Output, StringComparison.Ordinal);
    }

    /// <summary>Writes the project into a new directory under the fixture's temporary root (outside the repository).</summary>
    private string CreateProject()
    {
        var root = Path.Combine(packages.Root, $"throwaway-{Guid.NewGuid():N}");
        var project = Path.Combine(root, "Throwaway");
        Directory.CreateDirectory(project);

        // Stop MSBuild's and NuGet's walk up the directory tree: nothing of the machine's or the repository's applies.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");

        // The local folder feed, plus the machine's default source (no <clear/>) for the packages' own dependencies.
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="kafkatyped-local" value="{packages.Feed}" />
              </packageSources>
            </configuration>
            """);

        File.WriteAllText(Path.Combine(project, "Throwaway.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="KafkaTyped" Version="{packages.Version}" />
                <PackageReference Include="KafkaTyped.Testing" Version="{packages.Version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="{packages.MicrosoftExtensionsVersion}" />
              </ItemGroup>
            </Project>
            """);

        File.Copy(Path.Combine(AppContext.BaseDirectory, "Throwaway", "Program.cs.txt"), Path.Combine(project, "Program.cs"));
        return project;
    }
}
