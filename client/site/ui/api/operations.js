// Every GraphQL document the client sends, in one place: test/operations.test.js validates each one against
// the repository's schema.graphql, so a schema change that breaks the client fails the tests.

const ARTIFACT = `fragment ArtifactFields on Artifact {
  artifactId name type version sourceUrl sizeBytes createdAt createdBy
}`;

const METRIC = "score latencySeconds explanation applicable";

const RATING = `fragment RatingFields on Rating {
  name category netScore netScoreLatency netScoreExplanation evidenceTime
  rampUpTime { ${METRIC} } busFactor { ${METRIC} } performanceClaims { ${METRIC} } license { ${METRIC} }
  datasetAndCodeScore { ${METRIC} } datasetQuality { ${METRIC} } codeQuality { ${METRIC} }
  reproducibility { ${METRIC} } reviewedness { ${METRIC} } treeScore { ${METRIC} }
  sizeScore { raspberryPi jetsonNano desktopPc awsServer latencySeconds explanation }
}`;

const USER_ERRORS = "errors { code message details }";
const POLICY = "thresholds { metric threshold } netScoreGated netScoreThreshold updatedBy updatedAt";

const PAGE = `edges { node { ...ArtifactFields } cursor } pageInfo { hasNextPage endCursor }`;

const USER = "username permissions isAdmin createdAt";

const SCAN = "contentScan { verdict scannedFiles findings { file globalName severity detail } scanner scannedAt }";

const PAGE_INFO = "pageInfo { hasNextPage endCursor }";

const WORKLOAD_RUN = `id startedBy backend phase done total models clients maxSeconds startedAt finishedAt artifactId
  packageBytes error results { clients succeeded failed bytes seconds throughputBytesPerSecond meanSeconds
  medianSeconds p99Seconds latenciesSeconds }`;

/** @type {Record<string, string>} operation name -> GraphQL document */
export const OPERATIONS = {
  Authenticate: `mutation Authenticate($input: AuthenticateInput!) {
  authenticate(input: $input) { token ${USER_ERRORS} }
}`,
  Me: `query Me { me { ${USER} } }`,

  Artifacts: `query Artifacts($types: [ArtifactType!], $first: Int!, $after: String) {
  artifacts(types: $types, first: $first, after: $after) { ${PAGE} }
}
${ARTIFACT}`,
  SearchArtifacts: `query SearchArtifacts($regex: String!, $types: [ArtifactType!], $first: Int!, $after: String) {
  searchArtifacts(regex: $regex, types: $types, first: $first, after: $after) { ${PAGE} }
}
${ARTIFACT}`,
  ArtifactsByName: `query ArtifactsByName($name: String!, $types: [ArtifactType!], $first: Int!, $after: String) {
  artifactsByName(name: $name, types: $types, first: $first, after: $after) { ${PAGE} }
}
${ARTIFACT}`,
  ArtifactsByVersion: `query ArtifactsByVersion($query: String!, $name: String, $types: [ArtifactType!], $first: Int!,
    $after: String) {
  artifactsByVersion(query: $query, name: $name, types: $types, first: $first, after: $after) { ${PAGE} }
}
${ARTIFACT}`,

  ModelPage: `query ModelPage($id: String!, $depth: Int!) {
  artifact(id: $id) {
    ...ArtifactFields readme sensitive revision ${SCAN}
    versions(first: 100) { edges { node { artifactId version revision createdAt } } ${PAGE_INFO} }
    files { path size }
    rating { ...RatingFields }
    lineage(depth: $depth, direction: BOTH) {
      rootId nodes { artifactId name type sourceUrl external source } edges { from to relation source }
    }
  }
}
${ARTIFACT}
${RATING}`,
  Cost: `query Cost($artifactId: String!, $part: PackagePart, $withDependencies: Boolean!) {
  cost(artifactId: $artifactId, part: $part, withDependencies: $withDependencies) {
    artifactId name standaloneMb totalMb external note
  }
}`,
  LicenseCheck: `query LicenseCheck($artifactId: String!, $githubUrl: String!) {
  licenseCheck(artifactId: $artifactId, githubUrl: $githubUrl) { compatible reason modelLicense repoLicense }
}`,
  AuditTrail: `query AuditTrail($artifactId: String!) {
  auditTrail(artifactId: $artifactId) { artifactId artifactType artifactName username isAdmin action at detail }
}`,
  ArtifactMonitor: `query ArtifactMonitor($id: String!) {
  artifact(id: $id) { artifactId sensitive monitor { program sha256 updatedBy updatedAt } }
}`,
  DownloadHistory: `query DownloadHistory($artifactId: String!, $first: Int!, $after: String) {
  downloadHistory(artifactId: $artifactId, first: $first, after: $after) {
    edges { node { username part allowed outcome exitCode stdout at } cursor } ${PAGE_INFO}
  }
}`,
  Refusals: `query Refusals($first: Int!, $after: String) {
  refusals(first: $first, after: $after) {
    edges { node { artifactName artifactType username action detail at } cursor } ${PAGE_INFO}
  }
}`,
  PackageConfusionAudit: `query PackageConfusionAudit($threshold: Float!) {
  packageConfusionAudit(threshold: $threshold) {
    artifactId artifactName imitatesId imitatesName score signals { kind value detail }
  }
}`,
  Users: `query Users { users { ${USER} } }`,
  Health: `query Health($windowMinutes: Int!) {
  health(windowMinutes: $windowMinutes) {
    status checkedAt windowMinutes requests clientErrors serverErrors
    components { id displayName status observedAt detail latencyMs }
    timeline { start minutes requests clientErrors serverErrors }
  }
}`,
  RecentLogs: `query RecentLogs($limit: Int!) {
  health { recentLogs(limit: $limit) { at level event message requestId fields } }
}`,
  GatePolicy: `query GatePolicy { gatePolicy { ${POLICY} } }`,
  UpdateGatePolicy: `mutation UpdateGatePolicy($input: UpdateGatePolicyInput!) {
  updateGatePolicy(input: $input) { policy { ${POLICY} } ${USER_ERRORS} }
}`,
  PerformanceWorkload: `query PerformanceWorkload { performanceWorkload { ${WORKLOAD_RUN} } }`,
  PreviewRating: `query PreviewRating($input: PreviewRatingInput!) {
  previewRating(input: $input) { admitted failures { metric value reason } rating { ...RatingFields } }
}
${RATING}`,

  IngestArtifact: `mutation IngestArtifact($input: IngestArtifactInput!) {
  ingestArtifact(input: $input) { artifact { ...ArtifactFields } rating { ...RatingFields } ${USER_ERRORS} }
}
${ARTIFACT}
${RATING}`,
  DeleteArtifact: `mutation DeleteArtifact($input: DeleteArtifactInput!) {
  deleteArtifact(input: $input) { deletedId ${USER_ERRORS} }
}`,
  RateArtifact: `mutation RateArtifact($input: RateArtifactInput!) {
  rateArtifact(input: $input) { rating { ...RatingFields } ${USER_ERRORS} }
}
${RATING}`,
  RequestUpload: `mutation RequestUpload($input: RequestUploadInput!) {
  requestUpload(input: $input) { ticket { uploadId url method fields headers expiresAt maxBytes } ${USER_ERRORS} }
}`,
  FinalizeUpload: `mutation FinalizeUpload($input: FinalizeUploadInput!) {
  finalizeUpload(input: $input) { artifact { ...ArtifactFields } ${USER_ERRORS} }
}
${ARTIFACT}`,
  RequestDownload: `mutation RequestDownload($input: RequestDownloadInput!) {
  requestDownload(input: $input) { download { url filename sha256 size expiresAt } ${USER_ERRORS} }
}`,
  SetSensitive: `mutation SetSensitive($input: SetSensitiveInput!) {
  setSensitive(input: $input) { artifact { artifactId sensitive } ${USER_ERRORS} }
}`,
  PutMonitor: `mutation PutMonitor($input: PutMonitorInput!) {
  putMonitor(input: $input) { monitor { program sha256 updatedBy updatedAt } ${USER_ERRORS} }
}`,
  RemoveMonitor: `mutation RemoveMonitor($input: RemoveMonitorInput!) {
  removeMonitor(input: $input) { deletedId ${USER_ERRORS} }
}`,
  ChangePassword: `mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) { user { ${USER} } ${USER_ERRORS} }
}`,
  RegisterUser: `mutation RegisterUser($input: RegisterUserInput!) {
  registerUser(input: $input) { user { ${USER} } ${USER_ERRORS} }
}`,
  DeleteUser: `mutation DeleteUser($input: DeleteUserInput!) {
  deleteUser(input: $input) { deletedId ${USER_ERRORS} }
}`,
  ResetRegistry: `mutation ResetRegistry { resetRegistry { ok ${USER_ERRORS} } }`,
  StartPerformanceWorkload: `mutation StartPerformanceWorkload($input: StartPerformanceWorkloadInput!) {
  startPerformanceWorkload(input: $input) { run { ${WORKLOAD_RUN} } ${USER_ERRORS} }
}`,
};
