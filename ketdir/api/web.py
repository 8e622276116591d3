"""The HTTP side: routes of the Open Referral UK 3.0 profile on Starlette, errors as JSON, CORS if asked for.

Handlers are plain functions (Starlette runs them in its thread pool), so each request reads the directory
on its own thread with its own session (ketdir.api.catalogue). Only GET (and HEAD, OPTIONS) are answered.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ketdir.api import openapi
from ketdir.api.catalogue import Catalogue
from ketdir.api.params import flag, list_query
from ketdir.app import Directory
from ketdir.problems import BadInput, KetdirProblem, NotFound, Unavailable

log = logging.getLogger("ketdir.api")
OPENAPI_PATH = "/openapi.json"


@dataclass(frozen=True)
class ServeOptions:
    include_demo: bool = False
    cors_origins: tuple[str, ...] = ()  # browser front ends allowed to call the API ("*": any)
    public_url: str = ""  # the address people reach it at (behind a proxy); default: as each request came in
    title: str = "ketdir directory"


def create_app(directory: Directory, options: ServeOptions = ServeOptions()) -> Starlette:
    catalogue = Catalogue(directory, include_demo=options.include_demo)

    def base_url(request: Request) -> str:
        return options.public_url.rstrip("/") or str(request.base_url).rstrip("/")

    def about(request: Request) -> JSONResponse:
        body = {"version": openapi.VERSION, "profile": openapi.PROFILE_URL,
                "openapi_url": base_url(request) + OPENAPI_PATH}
        if options.include_demo:
            body["notice"] = ("This directory includes demo services, which are not real services. Each is marked "
                              "by its ketdir attribute service.is_demo = true.")
        return _json(body)

    def document(request: Request) -> JSONResponse:
        return _json(openapi.served_document(base_url(request), title=options.title,
                                             include_demo=options.include_demo))

    def listing(method: Callable[[Any], dict]) -> Callable[[Request], JSONResponse]:
        def endpoint(request: Request) -> JSONResponse:
            return _json(method(list_query(request.query_params)))
        return endpoint

    def item(method: Callable[[str], dict]) -> Callable[[Request], JSONResponse]:
        def endpoint(request: Request) -> JSONResponse:
            return _json(method(request.path_params["id"]))
        return endpoint

    def organization(request: Request) -> JSONResponse:
        full_service = flag(request.query_params, "full_service")
        return _json(catalogue.organization(request.path_params["id"], full_service=full_service))

    routes = [
        Route("/", about),
        Route(OPENAPI_PATH, document),
        Route("/services", listing(catalogue.services)),
        Route("/services/{id}", item(catalogue.service)),
        Route("/service_at_locations", listing(catalogue.service_at_locations)),
        Route("/service_at_locations/{id}", item(catalogue.service_at_location)),
        Route("/organizations", listing(catalogue.organizations)),
        Route("/organizations/{id}", organization),
        Route("/taxonomies", listing(catalogue.taxonomies)),
        Route("/taxonomies/{id}", item(catalogue.taxonomy)),
        Route("/taxonomy_terms", listing(catalogue.taxonomy_terms)),
        Route("/taxonomy_terms/{id}", item(catalogue.taxonomy_term)),
    ]
    middleware = []
    if options.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(options.cors_origins),
                                     allow_methods=["GET", "HEAD", "OPTIONS"], max_age=3600))
    return Starlette(routes=routes, middleware=middleware, exception_handlers={
        KetdirProblem: _problem, HTTPException: _http_error, Exception: _bug})


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return _json({"status": status, "error": error, "message": message}, status, headers)


def _problem(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, BadInput):
        return _error(400, "Bad request", str(exc))
    if isinstance(exc, NotFound):
        return _error(404, "Not found", str(exc))
    if isinstance(exc, Unavailable):
        log.error("directory unavailable: %s", exc)
        return _error(503, "Directory unavailable", "The directory cannot be read just now. Try again later.")
    return _error(500, "Server error", str(exc))


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _error(404, "Not found", "There is nothing at this address. GET / lists what this API offers.")
    if exc.status_code == 405:  # with Starlette's Allow header, as RFC 9110 asks
        return _error(405, "Method not allowed", "This API is read-only: use GET.", exc.headers)
    return _error(exc.status_code, "Error", str(exc.detail), exc.headers)


def _bug(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("bug while answering a request", exc_info=exc)
    return _error(500, "Server error", "Something went wrong on the server; it has been logged.")
