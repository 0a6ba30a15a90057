"""Evidence gathering (hub, GitHub), the trust metrics, lineage parsing and license compatibility.

Never imports strawberry, fastapi, boto3 or mangum (checked by import-linter in ./run test).
"""
