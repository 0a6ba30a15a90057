"""The Mutation root: one mutation per action, each taking one `input` object and returning a payload with
typed user errors (the convention every mutation of this schema follows)."""
from __future__ import annotations

import strawberry
from strawberry.types import Info

from registry.errors import DomainError
from registry.rating import Links
from resolvers import artifact as artifacts
from resolvers import rating as ratings
from resolvers import user as users
from schema.errors import payload
from schema.rating import Rating
from schema.types import ArtifactNode, ArtifactType, Permission, User, UserError


@strawberry.type
class AuthenticatePayload:
    token: str | None = strawberry.field(default=None, description='Send as "X-Authorization: bearer <token>".')
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ArtifactPayload:
    artifact: ArtifactNode | None = None
    rating: Rating | None = strawberry.field(default=None, description="A model's full rating: of the model ingested, "
                                                                       "or of one the gate refused (DISQUALIFIED).")
    errors: list[UserError] = strawberry.field(default_factory=list)

    @staticmethod
    def from_failure(error: DomainError) -> dict[str, object]:
        refused = getattr(error, "rating", None)
        return {"rating": Rating.from_domain(refused)} if refused is not None else {}


@strawberry.type
class DeletePayload:
    deleted_id: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ResetPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SweepCount:
    kind: str
    count: int


@strawberry.type
class SweepPayload:
    removed: list[SweepCount] = strawberry.field(default_factory=list, description="What the pass removed or "
                                                 "finished, by kind (only kinds with something to do).")
    seconds: float = 0.0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UserPayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AuthenticateInput:
    username: str
    password: str


IDEMPOTENCY_KEY = ("Any unique string (a UUID) naming this request: retrying with the same key returns the first "
                   "result instead of doing it twice (kept 24 h; a different request under the same key is refused).")


@strawberry.input
class IngestArtifactInput:
    type: ArtifactType  # type: ignore[valid-type]
    url: str
    name: str | None = None
    code_url: str | None = strawberry.field(default=None, description="A model's GitHub code repository.")
    dataset_urls: list[str] | None = strawberry.field(default=None, description="A model's training datasets.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input
class UpdateArtifactInput:
    artifact_id: str
    url: str
    name: str | None = None
    code_url: str | None = strawberry.field(default=None, description="Omit both links to keep the current ones.")
    dataset_urls: list[str] | None = None
    version: str | None = strawberry.field(
        default=None, description="The new version's number; default: the one the source declares (its newest tag at "
                                  "the revision read, else its card's `version`), else the next patch.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input
class DeleteArtifactInput:
    artifact_id: str
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input
class RegisterUserInput:
    username: str
    password: str
    permissions: list[Permission]  # type: ignore[valid-type]


@strawberry.input
class DeleteUserInput:
    username: str


@strawberry.type
class ArtifactMutation:
    @strawberry.mutation(description="Exchange a username and password for a bearer token.")
    async def authenticate(self, info: Info, input: AuthenticateInput) -> AuthenticatePayload:
        async def work() -> dict[str, object]:
            return {"token": await users.authenticate(info.context.scope, input.username, input.password)}
        return await payload(info, AuthenticatePayload, work)

    @strawberry.mutation(description="Ingest a Hugging Face model/dataset or a GitHub repository by URL, as the "
                                     "version its source declares (its newest tag at the revision read, else its "
                                     "card's `version`, else 1.0.0), pinned at that revision.")
    async def ingest_artifact(self, info: Info, input: IngestArtifactInput) -> ArtifactPayload:
        async def work() -> dict[str, object]:
            links = Links(input.code_url, tuple(input.dataset_urls or ()))
            a = await artifacts.ingest(info.context.scope, input.type, input.url, input.name, links,
                                       input.idempotency_key)
            rating = await ratings.recorded(info.context.scope, a.id)
            return {"artifact": ArtifactNode.from_domain(a), "rating": Rating.from_domain(rating) if rating else None}
        return await payload(info, ArtifactPayload, work)

    @strawberry.mutation(description="Read the artifact's source (or a new one) again and register it as a new version "
                                     "of its name (ratings gate models); earlier versions stay. Nothing new when the "
                                     "source, its revision and the links are those of a registered version and no "
                                     "`version` is given: that version is returned.")
    async def update_artifact(self, info: Info, input: UpdateArtifactInput) -> ArtifactPayload:
        async def work() -> dict[str, object]:
            links = None if input.code_url is None and input.dataset_urls is None else Links(
                input.code_url, tuple(input.dataset_urls or ()))
            a = await artifacts.update(info.context.scope, input.artifact_id, input.url, input.name, links,
                                       version=input.version, idempotency_key=input.idempotency_key)
            rating = await ratings.recorded(info.context.scope, a.id)
            return {"artifact": ArtifactNode.from_domain(a), "rating": Rating.from_domain(rating) if rating else None}
        return await payload(info, ArtifactPayload, work)

    @strawberry.mutation(description="Delete one version of an artifact, its rating and its stored package (the name's "
                                     "other versions stay).")
    async def delete_artifact(self, info: Info, input: DeleteArtifactInput) -> DeletePayload:
        async def work() -> dict[str, object]:
            deleted = await artifacts.delete(info.context.scope, input.artifact_id,
                                             idempotency_key=input.idempotency_key)
            return {"deleted_id": deleted.id}
        return await payload(info, DeletePayload, work)

    @strawberry.mutation(description="Empty the registry, keeping only the default admin (admins only).")
    async def reset_registry(self, info: Info) -> ResetPayload:
        async def work() -> dict[str, object]:
            await artifacts.reset(info.context.scope)
            return {"ok": True}
        return await payload(info, ResetPayload, work)

    @strawberry.mutation(description="Run the sweeper now: finish or roll back interrupted writes, remove orphan "
                                     "blobs and expired uploads (admins only; it also runs on its own).")
    async def sweep_registry(self, info: Info) -> SweepPayload:
        async def work() -> dict[str, object]:
            report = await artifacts.sweep(info.context.scope)
            return {"removed": [SweepCount(kind=k, count=n) for k, n in sorted(report.counts.items())],
                    "seconds": report.seconds}
        return await payload(info, SweepPayload, work)

    @strawberry.mutation(description="Create a user (admins only).")
    async def register_user(self, info: Info, input: RegisterUserInput) -> UserPayload:
        async def work() -> dict[str, object]:
            u = await users.register(info.context.scope, input.username, input.password, list(input.permissions))
            return {"user": User.from_domain(u)}
        return await payload(info, UserPayload, work)

    @strawberry.mutation(description="Delete a user: admins delete anyone, users themselves.")
    async def delete_user(self, info: Info, input: DeleteUserInput) -> DeletePayload:
        async def work() -> dict[str, object]:
            await users.delete(info.context.scope, input.username)
            return {"deleted_id": input.username}
        return await payload(info, DeletePayload, work)
