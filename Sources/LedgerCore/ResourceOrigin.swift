/// Where a harvested catalog resource came from, and what its source says that the catalog has no element for
/// (issue 17): kept as the source wrote it, so that nothing a source says is lost, and shown on the resource's page.
/// Every text is bounded like any other field (`FieldLimits`).
public struct ResourceOrigin: Codable, Sendable, Equatable {
    /// The harvest source's name (`ybz harvest add --name`).
    public var source: String
    /// The dataset's own identifier in the source, which keeps its resource code from run to run.
    public var identifier: String
    /// The publishing organisation as the source names it.
    public var publisher: String?
    public var landingPage: String?
    /// When the source last changed the dataset, as it says (`dct:modified`).
    public var modified: String?
    /// The dataset's version in the source, when it says (`dcat:version`, `owl:versionInfo`, a CKAN package's `version`).
    public var version: String?
    public var keywords: [String]
    public var license: String?
    /// Temporal and spatial coverage as written (`2020-01-01/2024-12-31`, a place name or IRI).
    public var temporal: String?
    public var spatial: String?
    /// The contact point: a name and an address, as written.
    public var contactPoint: String?
    /// The source's description as written, when it is not plain text (HTML): the summary holds its text.
    public var description: String?
    public var distributions: [Distribution]

    public init(
        source: String, identifier: String, publisher: String? = nil, landingPage: String? = nil, modified: String? = nil,
        version: String? = nil, keywords: [String] = [],
        license: String? = nil, temporal: String? = nil, spatial: String? = nil, contactPoint: String? = nil,
        description: String? = nil, distributions: [Distribution] = []
    ) {
        self.source = source
        self.identifier = identifier
        self.publisher = publisher
        self.landingPage = landingPage
        self.modified = modified
        self.version = version
        self.keywords = keywords
        self.license = license
        self.temporal = temporal
        self.spatial = spatial
        self.contactPoint = contactPoint
        self.description = description
        self.distributions = distributions
    }

    /// One distribution of a harvested dataset: how its data can be had.
    public struct Distribution: Codable, Sendable, Equatable {
        public var title: String?
        public var accessURL: String?
        public var downloadURL: String?
        public var mediaType: String?
        public var format: String?

        public init(title: String? = nil, accessURL: String? = nil, downloadURL: String? = nil, mediaType: String? = nil, format: String? = nil) {
            self.title = title
            self.accessURL = accessURL
            self.downloadURL = downloadURL
            self.mediaType = mediaType
            self.format = format
        }
    }
}
