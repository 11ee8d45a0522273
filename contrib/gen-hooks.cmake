# Writes the hook configurations with the absolute path of the installed
# `sharedpath`.  podman and CRI-O skip a hook file whose "path" does not
# exist without a word, so the files are generated, never hand-edited.
# Run at configure time (build-tree copies, for the configured prefix) and
# again by `cmake --install`, with the prefix in force then (--prefix).
# In: SP_SOURCE_DIR, SP_OUT_DIR, SP_PREFIX, SP_BINDIR (relative: under
# SP_PREFIX).  DESTDIR is not part of the path: it is a staging area.
if(IS_ABSOLUTE "${SP_BINDIR}")
  set(SHAREDPATH_HOOK_BINARY "${SP_BINDIR}/sharedpath")
else()
  set(SHAREDPATH_HOOK_BINARY "${SP_PREFIX}/${SP_BINDIR}/sharedpath")
endif()
if(NOT IS_ABSOLUTE "${SHAREDPATH_HOOK_BINARY}" OR
   SHAREDPATH_HOOK_BINARY MATCHES "[\"\\\\]")
  message(FATAL_ERROR "sharedpath hooks: the binary path "
          "'${SHAREDPATH_HOOK_BINARY}' must be absolute, without \" or \\")
endif()
# The ids `sharedpath` accepts (cli: spc_id_validate), anchored: the
# engines match the regex anywhere in the value otherwise.
set(SHAREDPATH_ID_REGEX "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
foreach(f oci-hooks.d/sharedpath.json oci-hooks.d/sharedpath-precreate.json
          isulad/hook-spec.json)
  configure_file("${SP_SOURCE_DIR}/${f}.in" "${SP_OUT_DIR}/${f}" @ONLY)
endforeach()
